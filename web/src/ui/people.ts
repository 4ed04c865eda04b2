// How people look: initials and a colour that is the same for a user everywhere.

// Dark enough for white initials: each has a contrast of at least 4.5:1 with #fff.
const palette = ["#c2410c", "#1864ab", "#2b7a3b", "#ae3ec9", "#9c4f00", "#0b7285", "#c92a2a", "#5f3dc4"];

export function colorOf(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return palette[h % palette.length];
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const s = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] ?? "?").slice(0, 2);
  return s.toUpperCase();
}
