import { signal } from "@preact/signals";
import { useEffect, useRef, useState } from "preact/hooks";
import type { BoardSession } from "../boardSession";
import { me } from "../app";
import * as m from "../merge";
import { refusedEdits, takeRefused, type RefusedEdit } from "../refused";
import type { Task } from "../types";

/** editing is the id of the task open in the dialog, or null. */
export const editing = signal<string | null>(null);

/**
 * TaskDialog edits one card. It keeps a three-way draft (merge.ts): others' changes to fields
 * the user has not touched show in place, a field both changed asks "keep mine / use theirs",
 * and a save sends only what the user changed. A card deleted meanwhile keeps the typed text.
 */
export function TaskDialog({ session, readOnly = false }: { session: BoardSession; readOnly?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = editing.value ? session.resolve(editing.value) : null;
  const view = session.store.view.value;
  const task = id ? view?.tasks.find((t) => t.id === id) : undefined;
  const [draft, setDraft] = useState<m.Draft | null>(null);
  /** gone names who deleted the card while it was open. */
  const [gone, setGone] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [hint, setHint] = useState("");
  const opener = useRef<HTMLElement | null>(null);
  const seed = useRef<RefusedEdit | null>(null);

  // A refused edit of this board reopens its card, once no other is open.
  const refused = refusedEdits.value;
  useEffect(() => {
    if (editing.value || !view) return;
    const r = takeRefused(session.boardId);
    if (!r) return;
    seed.current = r;
    editing.value = r.taskId;
  }, [refused, editing.value, view !== null]);

  // Open: a fresh draft of the card, or the refused edit merged with the card as it is now.
  useEffect(() => {
    const d = ref.current;
    if (!d || !editing.value || d.open) return;
    const r = seed.current;
    seed.current = null;
    if (!task && !r) return;
    opener.current = document.activeElement as HTMLElement | null;
    if (r) {
      const start = m.fromChanges(r.base, r.version, r.changes);
      setDraft(task ? m.merge(start, task) : start);
      setGone(task ? null : session.nameOf(session.store.lastActor(r.taskId)));
    } else {
      setDraft(m.open(task!));
      setGone(null);
    }
    setAsking(false);
    setHint("");
    d.showModal();
  }, [editing.value, task !== undefined]);

  // Live: someone else's change merges into the draft; a deletion keeps it, with a notice.
  useEffect(() => {
    if (!draft || !id) return;
    if (task) {
      if (gone) return;
      setDraft((d) => d && m.merge(d, task));
    } else if (!gone) {
      setGone(session.nameOf(session.store.lastActor(id)));
    }
  }, [task]);

  function finish() {
    if (id) session.collab.stopTyping(id);
    editing.value = null;
    setDraft(null);
    setGone(null);
    setAsking(false);
    if (ref.current?.open) ref.current.close();
    opener.current?.focus?.();
  }

  /** requestClose closes at once when nothing would be lost, and asks first otherwise. */
  function requestClose() {
    if (draft && m.dirty(draft)) setAsking(true);
    else finish();
  }

  function save(e: Event) {
    e.preventDefault();
    if (!draft || !id || !task) return;
    const open = m.conflicts(draft);
    if (open.length > 0) {
      setHint("Someone else changed the highlighted fields too: choose which version to keep.");
      ref.current?.querySelector<HTMLElement>("[data-testid=conflict] button")?.focus();
      return;
    }
    const c = m.changes(draft);
    if (Object.keys(c).length > 0) session.saveTask(id, c, draft.base, draft.version);
    finish();
  }

  function saveAsNew() {
    if (!draft || !view) return;
    const list = view.lists.find((l) => l.id === draft.mine.listId) ?? view.lists[0];
    if (!list) return;
    session.createTask(list.id, draft.mine.title.trim() || "Untitled", {
      description: draft.mine.description || null,
      assigneeId: draft.mine.assigneeId || null,
    });
    finish();
  }

  const typing = () => id && !gone && !readOnly && session.collab.typing(id);
  const set = (f: m.Field, v: string) => setDraft((d) => d && m.edit(d, f, v));
  const self = me.value;
  const people = view?.members ?? (self ? [{ userId: self.id, name: self.name }] : []);
  const who = id ? session.nameOf(session.store.lastActor(id)) : "Someone";
  const nameOfPerson = (uid: string) => (uid ? people.find((p) => p.userId === uid)?.name ?? uid : "Nobody");
  const nameOfList = (lid: string) => view?.lists.find((l) => l.id === lid)?.name ?? "a list that is gone";
  const shown: Record<m.Field, (v: string) => string> = {
    title: (v) => `“${v}”`,
    description: (v) => (v ? `“${v.length > 80 ? v.slice(0, 79) + "…" : v}”` : "nothing"),
    assigneeId: nameOfPerson,
    listId: nameOfList,
  };

  function conflict(f: m.Field) {
    const theirs = draft?.theirs[f];
    if (theirs === undefined) return null;
    return (
      <div class="conflict" data-testid="conflict" data-field={f} role="group" aria-label={`Conflict on ${labels[f]}`}>
        <span>
          {who} changed this to {shown[f](theirs)}.
        </span>
        <button type="button" data-testid="keep-mine" onClick={() => setDraft((d) => d && m.resolve(d, f, "mine"))}>
          Keep mine
        </button>
        <button type="button" data-testid="use-theirs" onClick={() => setDraft((d) => d && m.resolve(d, f, "theirs"))}>
          Use theirs
        </button>
      </div>
    );
  }

  const mine = draft?.mine;
  const known = !mine?.assigneeId || people.some((p) => p.userId === mine.assigneeId);
  const conflictOn = (f: m.Field) => (draft?.theirs[f] !== undefined ? "has-conflict" : "");

  return (
    <dialog
      ref={ref}
      class="task-dialog"
      aria-labelledby="task-dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        requestClose();
      }}
      onClose={() => {
        // Closed by the browser without asking (a repeated Esc): reopen rather than lose edits.
        if (!editing.value) return;
        if (draft && m.dirty(draft)) {
          ref.current?.showModal();
          setAsking(true);
        } else finish();
      }}
      onClick={(e) => {
        if (ref.current && e.target === ref.current && outside(ref.current, e)) requestClose();
      }}
    >
      {draft && mine && (
        <form method="dialog" onSubmit={save} class="stack">
          <h2 id="task-dialog-title">{gone ? "Card deleted" : readOnly ? "Task" : "Edit task"}</h2>
          {gone && (
            <p role="alert" class="gone" data-testid="task-gone">
              {gone} deleted this card while you had it open. Your text is still here: copy it, or save it as a new card.
            </p>
          )}
          <label class={conflictOn("title")}>
            Title
            <input
              data-testid="task-title-input"
              value={mine.title}
              readOnly={readOnly}
              required
              maxLength={200}
              onInput={(e) => {
                set("title", e.currentTarget.value);
                typing();
              }}
            />
          </label>
          {conflict("title")}
          <label class={conflictOn("description")}>
            Description
            <textarea
              data-testid="task-description-input"
              value={mine.description}
              readOnly={readOnly}
              rows={5}
              maxLength={10000}
              onInput={(e) => {
                set("description", e.currentTarget.value);
                typing();
              }}
            />
          </label>
          {conflict("description")}
          <div class="row">
            <label class={conflictOn("assigneeId")}>
              Assignee
              <select data-testid="task-assignee-select" value={mine.assigneeId} disabled={readOnly} onChange={(e) => set("assigneeId", e.currentTarget.value)}>
                <option value="">Nobody</option>
                {people.map((p) => (
                  <option key={p.userId} value={p.userId}>
                    {p.name}
                    {p.userId === self?.id ? " (me)" : ""}
                  </option>
                ))}
                {!known && <option value={mine.assigneeId}>{mine.assigneeId}</option>}
              </select>
            </label>
            <label class={conflictOn("listId")}>
              List
              <select data-testid="task-list-select" value={mine.listId} disabled={readOnly} onChange={(e) => set("listId", e.currentTarget.value)}>
                {view?.lists.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {conflict("assigneeId")}
          {conflict("listId")}
          {hint && m.conflicts(draft).length > 0 && (
            <p role="alert" class="hint">
              {hint}
            </p>
          )}
          {asking ? (
            <div class="actions ask" role="alertdialog" aria-label="Discard changes?" data-testid="discard-confirm">
              <span>Discard what you changed?</span>
              <span class="spacer" />
              <button type="button" data-testid="keep-editing" autoFocus onClick={() => setAsking(false)}>
                Keep editing
              </button>
              <button type="button" class="danger" data-testid="discard" onClick={finish}>
                Discard
              </button>
            </div>
          ) : readOnly ? (
            <div class="actions">
              <span class="spacer" />
              <button type="button" data-testid="task-cancel" onClick={finish}>
                Close
              </button>
            </div>
          ) : gone ? (
            <div class="actions">
              <button type="button" onClick={() => void navigator.clipboard?.writeText(asText(mine)).catch(() => {})}>
                Copy text
              </button>
              <span class="spacer" />
              <button type="button" onClick={requestClose}>
                Close
              </button>
              <button type="button" class="primary" data-testid="task-save-as-new" onClick={saveAsNew}>
                Save as new card
              </button>
            </div>
          ) : (
            <div class="actions">
              <DeleteButton task={task} onDelete={(t) => { session.deleteTask(t.id); finish(); }} />
              <span class="spacer" />
              <button type="button" data-testid="task-cancel" onClick={requestClose}>
                Cancel
              </button>
              <button type="submit" class="primary" data-testid="task-save">
                Save
              </button>
            </div>
          )}
        </form>
      )}
    </dialog>
  );
}

const labels: Record<m.Field, string> = { title: "the title", description: "the description", assigneeId: "the assignee", listId: "the list" };

function DeleteButton({ task, onDelete }: { task: Task | undefined; onDelete: (t: Task) => void }) {
  if (!task) return null;
  return (
    <button
      type="button"
      class="danger"
      onClick={() => {
        if (confirm(`Delete “${task.title}”?`)) onDelete(task);
      }}
    >
      Delete
    </button>
  );
}

/** outside reports whether a click on the dialog element fell on its backdrop. */
function outside(d: HTMLDialogElement, e: MouseEvent): boolean {
  const r = d.getBoundingClientRect();
  return e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom;
}

function asText(v: m.Values): string {
  return v.description ? `${v.title}\n\n${v.description}` : v.title;
}
