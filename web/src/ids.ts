// Random ids for mutations, temporary tasks and tabs. crypto.getRandomValues works on plain
// HTTP too, where crypto.randomUUID does not.

export function randomId(prefix: string): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return prefix + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** tabId names this tab's pending queue; it survives reloads of the tab. */
export function tabId(): string {
  const k = "taskboard.tab";
  let id = sessionStorage.getItem(k);
  if (!id) {
    id = randomId("");
    sessionStorage.setItem(k, id);
  }
  return id;
}
