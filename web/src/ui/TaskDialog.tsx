import { signal } from "@preact/signals";
import { useEffect, useRef, useState } from "preact/hooks";
import type { BoardSession } from "../boardSession";
import { me } from "../app";

/** editing is the id of the task open in the dialog, or null. */
export const editing = signal<string | null>(null);

export function TaskDialog({ session }: { session: BoardSession }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = editing.value ? session.resolve(editing.value) : null;
  const view = session.store.view.value;
  const task = id ? view?.tasks.find((t) => t.id === id) : undefined;
  const [title, setTitle] = useState("");
  const [desc, setDesc] = useState("");
  const [assignee, setAssignee] = useState("");
  const [listId, setListId] = useState("");
  const opener = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (task && !d.open) {
      opener.current = document.activeElement as HTMLElement | null;
      setTitle(task.title);
      setDesc(task.description ?? "");
      setAssignee(task.assigneeId ?? "");
      setListId(task.listId);
      d.showModal();
    } else if (!task && d.open) {
      d.close();
    }
  }, [task?.id, editing.value]);

  function close() {
    if (id) session.collab.stopTyping(id);
    editing.value = null;
    ref.current?.close();
    opener.current?.focus?.();
  }

  function save(e: Event) {
    e.preventDefault();
    if (!task || !id) return;
    session.updateTask(id, { title, description: desc, assigneeId: assignee || null });
    if (listId !== task.listId) {
      const end = view?.tasks.filter((t) => t.listId === listId).length ?? 0;
      session.moveTask(id, listId, end);
    }
    close();
  }

  const typing = () => id && session.collab.typing(id);
  const members = view?.members ?? null;
  const self = me.value;
  const people = members ?? (self ? [{ userId: self.id, name: self.name }] : []);
  const known = !assignee || people.some((p) => p.userId === assignee);

  return (
    <dialog ref={ref} class="task-dialog" aria-labelledby="task-dialog-title" onClose={() => editing.value && close()}>
      {task && (
        <form method="dialog" onSubmit={save} class="stack">
          <h2 id="task-dialog-title">Edit task</h2>
          <label>
            Title
            <input
              data-testid="task-title-input"
              value={title}
              required
              maxLength={200}
              onInput={(e) => {
                setTitle(e.currentTarget.value);
                typing();
              }}
            />
          </label>
          <label>
            Description
            <textarea
              data-testid="task-description-input"
              value={desc}
              rows={5}
              maxLength={10000}
              onInput={(e) => {
                setDesc(e.currentTarget.value);
                typing();
              }}
            />
          </label>
          <div class="row">
            <label>
              Assignee
              <select value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)}>
                <option value="">Nobody</option>
                {people.map((p) => (
                  <option key={p.userId} value={p.userId}>
                    {p.name}
                    {p.userId === self?.id ? " (me)" : ""}
                  </option>
                ))}
                {!known && <option value={assignee}>{assignee}</option>}
              </select>
            </label>
            <label>
              List
              <select data-testid="task-list-select" value={listId} onChange={(e) => setListId(e.currentTarget.value)}>
                {view?.lists.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div class="actions">
            <button
              type="button"
              class="danger"
              onClick={() => {
                if (confirm(`Delete “${task.title}”?`)) {
                  session.deleteTask(task.id);
                  close();
                }
              }}
            >
              Delete
            </button>
            <span class="spacer" />
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" class="primary" data-testid="task-save">
              Save
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
