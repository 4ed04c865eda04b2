// Announcements for screen readers, read politely from a live region.

import { signal } from "@preact/signals";

export const announcement = signal("");

export function announce(text: string): void {
  // Clearing first makes the same text be read again.
  announcement.value = "";
  queueMicrotask(() => (announcement.value = text));
}
