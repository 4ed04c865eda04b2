import { useEffect, useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { navigate, onLink } from "../router";
import type { Board, SearchHit } from "../types";

export function Boards() {
  const [boards, setBoards] = useState<Board[] | null>(null);
  const [error, setError] = useState("");
  const [name, setName] = useState("");
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [searchError, setSearchError] = useState("");

  // Search as the user types, a moment after they stop; an older answer never replaces a newer.
  useEffect(() => {
    const query = q.trim();
    if (!query) {
      setHits(null);
      setSearchError("");
      return;
    }
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      request<{ data: SearchHit[] }>("GET", `/search?${new URLSearchParams({ q: query, limit: "50" })}`, undefined, {}, undefined, ctl.signal).then(
        (r) => (setHits(r.data), setSearchError("")),
        (e) => !ctl.signal.aborted && setSearchError(e instanceof ApiError ? `Search failed: ${e.message}.` : "Cannot reach the server."),
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [q]);

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
      <form class="inline search" role="search" onSubmit={(e) => e.preventDefault()}>
        <label for="search">Search cards on all my boards</label>
        <input id="search" type="search" data-testid="search-input" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="Words in titles, descriptions, checklists, comments" />
      </form>
      {searchError && <p class="error" role="alert">{searchError}</p>}
      {hits && (
        <section aria-label="Search results">
          <p class="muted" role="status">
            {hits.length === 0 ? "No cards match." : `${hits.length} card${hits.length > 1 ? "s" : ""}`}
          </p>
          <ul class="search-results" data-testid="search-results">
            {hits.map((h) => (
              <li key={h.task.id}>
                <a href={`/b/${encodeURIComponent(h.board.id)}?card=${encodeURIComponent(h.task.id)}`} onClick={onLink} data-testid="search-hit" data-task-id={h.task.id}>
                  <span>{h.task.title}</span>
                  <small>{h.board.name}</small>
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
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
