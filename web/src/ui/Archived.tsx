import { useEffect, useState } from "preact/hooks";
import type { BoardSession } from "../boardSession";
import { tasksOf } from "../state";
import type { Task } from "../types";
import { Panel } from "./Panel";

/** ArchivedPanel lists the board's archived cards, to restore them or delete them for good. */
export function ArchivedPanel({ session, readOnly, onClose }: { session: BoardSession; readOnly: boolean; onClose: () => void }) {
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState("");
  const view = session.store.view.value;
  const onBoard = new Set(view?.tasks.map((t) => t.id));

  useEffect(() => {
    const load = () =>
      session.archived().then(
        (ts) => (setTasks(ts), setError("")),
        () => setError("Cannot load the archived cards."),
      );
    void load();
    // Archiving and restoring, here or elsewhere, change the list.
    return session.store.listen((ev) => {
      if (ev.type === "task_archived" && ev.task) setTasks((ts) => [ev.task!, ...(ts ?? []).filter((t) => t.id !== ev.task!.id)]);
      if (ev.type === "task_restored" || ev.type === "task_deleted") setTasks((ts) => ts && ts.filter((t) => t.id !== (ev.task?.id ?? ev.taskId)));
    });
  }, [session]);

  const listName = (id: string) => view?.lists.find((l) => l.id === id)?.name;
  // A card being restored from here leaves the list at once.
  const shown = (tasks ?? []).filter((t) => !onBoard.has(t.id));
  return (
    <Panel id="archived" title="Archived cards" testId="archived-panel" onClose={onClose}>
      {error && <p class="error">{error}</p>}
      {tasks === null && !error && <p class="loading">Loading…</p>}
      {tasks && shown.length === 0 && <p class="muted">No archived cards.</p>}
      <ul class="archived-list">
        {shown.map((t) => {
          const list = listName(t.listId);
          // A card whose list was deleted goes back to the first list.
          const to = view?.lists.find((l) => l.id === t.listId) ?? view?.lists[0];
          return (
            <li key={t.id} data-testid="archived-card" data-task-id={t.id}>
              <span class="who">
                {t.title}
                <small>{list ? `from ${list}` : "its list is gone"}</small>
              </span>
              {!readOnly && (
                <span class="row-actions">
                  <button
                    type="button"
                    data-testid="restore"
                    disabled={!to}
                    onClick={() => view && to && session.restoreTask(t, to.id, tasksOf(view, to.id).length)}
                  >
                    {list || !to ? "Restore" : `Restore to ${to.name}`}
                  </button>
                  <button
                    type="button"
                    class="danger"
                    data-testid="delete-for-good"
                    onClick={() => {
                      if (!confirm(`Delete “${t.title}” for good? Its comments go with it.`)) return;
                      void session.deleteArchived(t).then((ok) => ok && setTasks((ts) => ts && ts.filter((x) => x.id !== t.id)));
                    }}
                  >
                    Delete for good
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}
