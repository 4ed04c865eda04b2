import { reachable } from "../app";
import type { Collab } from "../collab";
import type { Connection } from "../live/connection";
import { transportLabel } from "../live/transport";
import { colorOf, initials } from "./people";

const stateText = { live: "Live", connecting: "Connecting…", offline: "Offline" } as const;

export function Status({ conn }: { conn: Connection }) {
  let state = conn.state.value;
  if (state === "connecting" && !reachable.value) state = "offline";
  const t = conn.transport.value;
  const detail =
    state === "live" && t
      ? `Live updates over ${transportLabel[t]}`
      : state === "offline"
        ? "Offline: your changes are kept and will be sent when the connection is back"
        : "Connecting to the server";
  return (
    <button
      type="button"
      class={`status ${state}`}
      data-testid="connection-status"
      data-state={state}
      data-transport={t ?? ""}
      title={detail}
      aria-label={detail}
      onClick={() => conn.online()}
    >
      <span class="dot" aria-hidden="true" />
      {stateText[state]}
      {state === "live" && t && <span class="transport">{transportLabel[t]}</span>}
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
