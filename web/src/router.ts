// A small router over the History API: "/" (sign-in, then my boards) and "/b/{boardId}".

import { signal } from "@preact/signals";

export const path = signal(location.pathname);

window.addEventListener("popstate", () => (path.value = location.pathname));

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, "", to);
  path.value = location.pathname;
}

/** boardIdOf returns the board id of a /b/{boardId} path, or null. */
export function boardIdOf(p: string): string | null {
  const m = /^\/b\/([^/]+)\/?$/.exec(p);
  return m ? decodeURIComponent(m[1]) : null;
}

/** link makes an anchor's click navigate without a page load. */
export function onLink(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute("href") ?? "/");
}
