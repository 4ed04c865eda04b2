import { reachable } from "../app";
import type { Collab } from "../collab";
import type { Connection } from "../live/connection";
import { transportLabel } from "../live/transport";
import { colorOf, initials } from "./people";

/**
 * syncText is what the sync indicator says: whether the user's changes are on the server, and
 * if not, why they wait.
 */
export function syncText(state: "live" | "connecting" | "offline", browserOnline: boolean, reachable: boolean, waiting: number): string {
  if (!browserOnline) return "Offline";
  if (!reachable || state === "offline") return "Can't reach the server";
  if (waiting === 0) return "Saved";
  return state === "live" ? "Saving…" : `${waiting} ${waiting === 1 ? "change" : "changes"} waiting`;
}

/**
 * SyncStatus is one quiet indicator of the board's connection and of the user's changes not
 * yet on the server ("Saved", "Saving…", "3 changes waiting", "Can't reach the server",
 * "Offline"); the transport is in its tooltip. Clicking it retries at once.
 */
export function SyncStatus({ conn, waiting }: { conn: Connection; waiting: number }) {
  let state = conn.state.value;
  if (state === "connecting" && !reachable.value) state = "offline";
  const t = conn.transport.value;
  const online = typeof navigator === "undefined" || navigator.onLine !== false;
  const text = syncText(state, online, reachable.value, waiting);
  const detail =
    state === "live" && t
      ? `Live updates over ${transportLabel[t]}`
      : state === "offline"
        ? "Your changes are kept and will be sent when the connection is back"
        : "Connecting to the server";
  return (
    <button
      type="button"
      class={`status ${state} ${waiting ? "waiting" : ""}`}
      data-testid="connection-status"
      data-state={state}
      data-transport={t ?? ""}
      title={detail}
      onClick={() => conn.online()}
    >
      <span class="dot" aria-hidden="true" />
      {text.endsWith("waiting") ? (
        <span>
          <span data-testid="pending-count">{waiting}</span> {waiting === 1 ? "change" : "changes"} waiting
        </span>
      ) : (
        <span>
          {text}
          <span data-testid="pending-count" hidden>
            {waiting}
          </span>
        </span>
      )}
      <span class="sr-only">. {detail}</span>
    </button>
  );
}

export function Presence({ collab }: { collab: Collab }) {
  const viewers = collab.viewers.value;
  if (viewers.length === 0) return null;
  return (
    <ul class="presence" aria-label="People viewing this board">
      {viewers.map((v) => (
        <li key={v.userId} data-testid="presence-avatar" data-user-id={v.userId} title={v.name} style={{ background: colorOf(v.userId) }}>
          <span aria-hidden="true">{initials(v.name)}</span>
          <span class="sr-only">{v.name}</span>
        </li>
      ))}
    </ul>
  );
}
