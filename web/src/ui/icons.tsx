// The UI's icons: small inline SVGs that take the text's colour, hidden from assistive
// technology (the control that holds one carries the name).

const props = { width: 16, height: 16, viewBox: "0 0 16 16", fill: "none", stroke: "currentColor", "stroke-width": 1.6, "stroke-linecap": "round", "aria-hidden": true } as const;

export const IconMore = () => (
  <svg {...props}>
    <circle cx="3" cy="8" r="1" fill="currentColor" />
    <circle cx="8" cy="8" r="1" fill="currentColor" />
    <circle cx="13" cy="8" r="1" fill="currentColor" />
  </svg>
);

export const IconEdit = () => (
  <svg {...props}>
    <path d="M10.5 2.5l3 3L6 13H3v-3z" />
  </svg>
);

export const IconClose = () => (
  <svg {...props}>
    <path d="M4 4l8 8M12 4l-8 8" />
  </svg>
);

export const IconText = () => (
  <svg {...props}>
    <path d="M3 4h10M3 8h10M3 12h6" />
  </svg>
);

export const IconCheck = () => (
  <svg {...props}>
    <rect x="2.5" y="2.5" width="11" height="11" rx="2" />
    <path d="M5 8.2l2 2 4-4.4" />
  </svg>
);

export const IconComment = () => (
  <svg {...props}>
    <path d="M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z" />
  </svg>
);
