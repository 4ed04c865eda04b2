// Notices: short messages about what happened to the user's changes, shown for a few seconds.
// One may carry an action ("Undo") that the user can take while it shows.

import { signal } from "@preact/signals";

export interface NoticeAction {
  label: string;
  run: () => void;
}

export interface Notice {
  id: number;
  text: string;
  kind: "error" | "info";
  action?: NoticeAction;
}

export const notices = signal<Notice[]>([]);
let nextId = 1;

/** noticeTTL is how long a notice stays, in milliseconds. */
export const noticeTTL = 8000;

/** undoTTL is how long an "Undo" stays offered. */
export const undoTTL = 5000;

export function notify(text: string, kind: Notice["kind"] = "error", action?: NoticeAction): number {
  const n: Notice = { id: nextId++, text, kind, ...(action ? { action } : {}) };
  notices.value = [...notices.value.slice(-4), n];
  setTimeout(() => dismiss(n.id), action ? undoTTL : noticeTTL);
  return n.id;
}

export function dismiss(id: number): void {
  notices.value = notices.value.filter((n) => n.id !== id);
}

/** act takes a notice's action and removes the notice; a second click, or one after it went, does nothing. */
export function act(n: Notice): void {
  if (!notices.value.some((x) => x.id === n.id)) return;
  dismiss(n.id);
  n.action?.run();
}
