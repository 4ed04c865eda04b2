import type { Collab } from "../collab";
import { colorOf } from "./people";

/** Cursors shows the other users' pointers over the board, gliding between updates. */
export function Cursors({ collab }: { collab: Collab }) {
  return (
    <div class="cursors" aria-hidden="true">
      {collab.cursors.value.map((c) => (
        <div
          key={c.userId}
          class="cursor"
          data-testid="remote-cursor"
          data-user-id={c.userId}
          style={{ transform: `translate(${c.x}px, ${c.y}px)`, color: colorOf(c.userId) }}
        >
          <svg width="16" height="20" viewBox="0 0 16 20">
            <path d="M1 1 L1 17 L5.5 12.5 L8.5 19 L11 18 L8 11.5 L14 11.5 Z" fill="currentColor" stroke="#fff" stroke-width="1.2" />
          </svg>
          {/* Keyed by the last move, so that its fading starts again with each one. */}
          <span key={c.at} class="label" style={{ background: colorOf(c.userId) }}>
            {c.name}
          </span>
        </div>
      ))}
    </div>
  );
}
