// Notices: short messages about what happened to the user's changes, shown for a few seconds.

import { signal } from "@preact/signals";

export interface Notice {
  id: number;
  text: string;
  kind: "error" | "info";
}

export const notices = signal<Notice[]>([]);
let nextId = 1;

/** noticeTTL is how long a notice stays, in milliseconds. */
export const noticeTTL = 8000;

export function notify(text: string, kind: Notice["kind"] = "error"): void {
  const n = { id: nextId++, text, kind };
  notices.value = [...notices.value.slice(-4), n];
  setTimeout(() => dismiss(n.id), noticeTTL);
}

export function dismiss(id: number): void {
  notices.value = notices.value.filter((n) => n.id !== id);
}
