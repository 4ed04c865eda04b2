import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import { IconClose } from "./icons";
import { ApiError, request } from "../api";
import { me } from "../app";
import type { BoardSession } from "../boardSession";
import { navigate } from "../router";
import type { Role } from "../types";
import { colorOf, initials } from "./people";

const roles: Role[] = ["viewer", "editor", "owner"];

/**
 * MembersPanel lists the board's members. An owner also adds, re-roles and removes them and
 * may delete the board; anyone may leave it.
 */
export function MembersPanel({ session, onClose }: { session: BoardSession; onClose: () => void }) {
  const available = session.membersAvailable.value;
  const members = session.store.view.value?.members ?? null;
  const owner = session.store.view.value?.board.role === "owner";
  const self = me.value;
  const [confirming, setConfirming] = useState<"leave" | "delete" | null>(null);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("editor");
  const [error, setError] = useState("");
  const base = `/boards/${encodeURIComponent(session.boardId)}/members`;

  // The panel sits below the board's bar, whose height depends on the width: it never covers
  // the bar's controls, the Members button that closes it among them.
  const [top, setTop] = useState<number | undefined>(undefined);
  useLayoutEffect(() => {
    const bar = document.querySelector(".board-bar");
    if (!bar) return;
    const place = () => setTop(Math.max(0, bar.getBoundingClientRect().bottom));
    place();
    const observer = new ResizeObserver(place);
    observer.observe(bar);
    window.addEventListener("resize", place);
    window.addEventListener("scroll", place, true);
    return () => {
      observer.disconnect();
      window.removeEventListener("resize", place);
      window.removeEventListener("scroll", place, true);
    };
  }, []);

  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", esc);
    return () => window.removeEventListener("keydown", esc);
  }, [onClose]);

  /** act runs a change of the members and reports whether it went through. */
  async function act(f: () => Promise<unknown>): Promise<boolean> {
    setError("");
    try {
      await f();
      await session.reloadMembers();
      return true;
    } catch (e) {
      setError(e instanceof ApiError ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + "." : "Cannot reach the server.");
      return false;
    }
  }

  async function leaveOrDelete(what: "leave" | "delete") {
    setError("");
    try {
      if (what === "delete") await request("DELETE", `/boards/${encodeURIComponent(session.boardId)}`);
      else await request("DELETE", `${base}/${encodeURIComponent(self?.id ?? "")}`);
      navigate("/");
    } catch (e) {
      setConfirming(null);
      setError(e instanceof ApiError ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + "." : "Cannot reach the server.");
    }
  }

  return (
    <aside id="members" class="members" style={top === undefined ? undefined : { top: `${top}px` }} aria-labelledby="members-title" data-testid="members-panel">
      <header>
        <h2 id="members-title">Members</h2>
        <button type="button" class="icon" aria-label="Close members" onClick={onClose}>
          <IconClose />
        </button>
      </header>
      {available === false && <p class="muted">This server does not manage members from here.</p>}
      {available !== false && members === null && <p class="loading">Loading…</p>}
      {members && (
        <ul class="member-list">
          {members.map((m) => (
            <li key={m.userId} data-testid="member" data-user-id={m.userId}>
              <span class="avatar" style={{ background: colorOf(m.userId) }} aria-hidden="true">
                {initials(m.name)}
              </span>
              <span class="who">
                {m.name}
                {m.email && <small>{m.email}</small>}
              </span>
              {!owner && <span class={`role ${m.role}`}>{m.role}</span>}
              {owner && (
              <label class="sr-only" for={`role-${m.userId}`}>
                Role of {m.name}
              </label>
              )}
              {owner && (
              <select
                id={`role-${m.userId}`}
                value={m.role}
                onChange={(e) => {
                  const r = e.currentTarget.value;
                  void act(() => request("PATCH", `${base}/${encodeURIComponent(m.userId)}`, { role: r }));
                }}
              >
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
              )}
              {owner && (
              <button
                type="button"
                class="icon danger"
                aria-label={`Remove ${m.name}`}
                onClick={() => void act(() => request("DELETE", `${base}/${encodeURIComponent(m.userId)}`))}
              >
                <IconClose />
              </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {available && owner && (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            // A failed invite keeps the typed email, to correct it.
            void act(() => request("POST", base, { email: email.trim(), role })).then((ok) => ok && setEmail(""));
          }}
        >
          <label>
            Add by email
            <input data-testid="member-email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary" data-testid="member-add">
            Add member
          </button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="board-actions">
        {confirming ? (
          <>
            <span>{confirming === "delete" ? "Delete this board and everything on it for everyone?" : "Leave this board?"}</span>
            <button type="button" onClick={() => setConfirming(null)}>
              Cancel
            </button>
            <button type="button" class="danger" data-testid={`confirm-${confirming}`} onClick={() => void leaveOrDelete(confirming)}>
              {confirming === "delete" ? "Delete board" : "Leave"}
            </button>
          </>
        ) : (
          <>
            <button type="button" data-testid="leave-board" onClick={() => setConfirming("leave")}>
              Leave board
            </button>
            {owner && (
              <button type="button" class="danger" data-testid="delete-board" onClick={() => setConfirming("delete")}>
                Delete board
              </button>
            )}
          </>
        )}
      </div>
    </aside>
  );
}
