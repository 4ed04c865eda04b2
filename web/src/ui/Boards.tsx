import { useEffect, useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { navigate, onLink } from "../router";
import type { Board } from "../types";

export function Boards() {
  const [boards, setBoards] = useState<Board[] | null>(null);
  const [error, setError] = useState("");
  const [name, setName] = useState("");

  useEffect(() => {
    request<{ data: Board[] }>("GET", "/boards")
      .then((r) => setBoards(r.data))
      .catch(() => setError("Cannot load your boards right now."));
  }, []);

  async function create(e: Event) {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    try {
      const b = await request<Board>("POST", "/boards", { name: n });
      navigate(`/b/${encodeURIComponent(b.id)}`);
    } catch (err) {
      setError(err instanceof ApiError ? `Cannot create the board: ${err.message}.` : "Cannot reach the server.");
    }
  }

  return (
    <section class="boards">
      <h1>My boards</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {boards === null && !error && <p class="loading">Loading…</p>}
      {boards && (
        <ul class="board-grid">
          {boards.map((b) => (
            <li key={b.id}>
              <a href={`/b/${encodeURIComponent(b.id)}`} onClick={onLink} data-testid="board-link" data-board-id={b.id}>
                <span class="name">{b.name}</span>
                {b.role && <span class={`role ${b.role}`}>{b.role}</span>}
              </a>
            </li>
          ))}
          {boards.length === 0 && <li class="empty">No boards yet: create one.</li>}
        </ul>
      )}
      <form class="inline" onSubmit={create}>
        <label for="new-board">New board</label>
        <input id="new-board" value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={100} placeholder="Board name" />
        <button type="submit" class="primary">
          Create
        </button>
      </form>
    </section>
  );
}
