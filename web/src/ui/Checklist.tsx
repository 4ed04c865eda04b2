import { useState } from "preact/hooks";
import type { BoardSession } from "../boardSession";
import { progress } from "../cards";
import { sortByPosition } from "../state";
import type { Task } from "../types";
import { IconClose } from "./icons";

/**
 * Checklist edits a card's checklist in place: each change goes to the server at once and comes
 * back, to this page and every other, as the card's task_updated. A tick shows at once.
 */
export function Checklist({ session, task, readOnly }: { session: BoardSession; task: Task; readOnly: boolean }) {
  const [text, setText] = useState("");
  const [renaming, setRenaming] = useState<{ id: string; text: string } | null>(null);
  /** ticks holds ticks sent and not yet seen back. */
  const [ticks, setTicks] = useState<Record<string, boolean>>({});
  const items = sortByPosition(task.checklist ?? []);
  const p = progress(task);
  const done = (id: string, server: boolean) => ticks[id] ?? server;

  async function tick(id: string, value: boolean) {
    setTicks((t) => ({ ...t, [id]: value }));
    await session.updateItem(id, { done: value });
    setTicks((t) => {
      const { [id]: _, ...rest } = t;
      return rest;
    });
  }

  function add(e: Event) {
    e.preventDefault();
    const t = text.trim();
    if (!t) return;
    setText("");
    void session.addItem(task.id, t);
  }

  function rename(e: Event) {
    e.preventDefault();
    if (!renaming) return;
    const t = renaming.text.trim();
    const item = items.find((i) => i.id === renaming.id);
    if (t && item && t !== item.text) void session.updateItem(renaming.id, { text: t });
    setRenaming(null);
  }

  return (
    <section class="checklist" aria-labelledby="checklist-title" data-testid="checklist">
      <h3 id="checklist-title">
        Checklist {p.total > 0 && <span class="muted">{p.done}/{p.total}</span>}
      </h3>
      {p.total > 0 && (
        <div class="bar" role="progressbar" aria-label="Checklist done" aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.done}>
          <span style={{ width: `${(100 * p.done) / p.total}%` }} />
        </div>
      )}
      <ul>
        {items.map((i, n) => (
          <li key={i.id} data-testid="checklist-item" data-item-id={i.id} class={done(i.id, i.done) ? "done" : ""}>
            {renaming?.id === i.id ? (
              <form class="rename-item" onSubmit={rename}>
                <input
                  aria-label="Item text"
                  data-testid="checklist-rename"
                  value={renaming.text}
                  maxLength={500}
                  autoFocus
                  onInput={(e) => setRenaming({ id: i.id, text: e.currentTarget.value })}
                  onBlur={rename}
                  onKeyDown={(e) => {
                    if (e.key === "Escape") {
                      e.preventDefault();
                      e.stopPropagation();
                      setRenaming(null);
                    }
                  }}
                />
              </form>
            ) : (
              <>
                <label>
                  <input type="checkbox" data-testid="checklist-tick" checked={done(i.id, i.done)} disabled={readOnly} onChange={(e) => void tick(i.id, e.currentTarget.checked)} />
                  <span class="text">{i.text}</span>
                </label>
                {!readOnly && (
                  <span class="row-actions">
                    <button type="button" class="icon" aria-label={`Rename “${i.text}”`} title="Rename" onClick={() => setRenaming({ id: i.id, text: i.text })}>
                      ✎
                    </button>
                    <button type="button" class="icon" aria-label={`Move “${i.text}” up`} title="Move up" disabled={n === 0} onClick={() => void session.updateItem(i.id, { position: n - 1 })}>
                      ↑
                    </button>
                    <button type="button" class="icon" aria-label={`Move “${i.text}” down`} title="Move down" disabled={n === items.length - 1} onClick={() => void session.updateItem(i.id, { position: n + 1 })}>
                      ↓
                    </button>
                    <button type="button" class="icon danger" aria-label={`Delete “${i.text}”`} title="Delete" data-testid="checklist-delete" onClick={() => void session.deleteItem(i.id)}>
                      <IconClose />
                    </button>
                  </span>
                )}
              </>
            )}
          </li>
        ))}
      </ul>
      {!readOnly && (
        <form class="inline add-item" onSubmit={add}>
          <input aria-label="New checklist item" data-testid="checklist-new" placeholder="Add an item" value={text} maxLength={500} onInput={(e) => setText(e.currentTarget.value)} />
          <button type="submit" data-testid="checklist-add">
            Add
          </button>
        </form>
      )}
    </section>
  );
}
