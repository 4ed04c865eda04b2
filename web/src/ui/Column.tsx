import { signal } from "@preact/signals";
import { memo } from "./memo";
import { useState } from "preact/hooks";
import { IconMore, IconText } from "./icons";
import type { BoardSession } from "../boardSession";
import type { Typist } from "../collab";
import type { List, Member, Task } from "../types";
import { announce } from "./announce";
import { drag, startPress } from "./drag";
import { Rename } from "./Rename";
import { colorOf, initials } from "./people";
import { editing } from "./TaskDialog";

interface ColumnProps {
  session: BoardSession;
  list: List;
  tasks: Task[];
  /** members names assignees; null while unknown. */
  members: Member[] | null;
  lists: List[];
  pending: Set<string>;
  typists: Typist[];
  /** readOnly hides every control that would change the board (viewers). */
  readOnly: boolean;
}

/**
 * Column is one list. It renders again only when something it shows changed (its list, its
 * cards, what is pending or typed, a drag), so a change to one card of a large board redraws
 * one list, not every list.
 */
export const Column = memo(ColumnView, (a, b) =>
  a.session === b.session && a.list === b.list && a.lists === b.lists && a.members === b.members &&
  a.pending === b.pending && a.typists === b.typists && a.readOnly === b.readOnly &&
  a.tasks.length === b.tasks.length && a.tasks.every((t, i) => t === b.tasks[i]),
);

function ColumnView({ session, list, tasks, members, lists, pending, typists, readOnly }: ColumnProps) {
  const [title, setTitle] = useState("");
  const [renaming, setRenaming] = useState(false);
  const d = drag.value;
  const target = d?.target?.listId === list.id ? d.target.index : -1;
  const headingId = `list-${list.id}`;
  const shown = d ? tasks.filter((t) => t.id !== d.taskId) : tasks;
  const last = lists.length - 1;

  return (
    <li class={`list ${pending.has(list.id) ? "is-pending" : ""} ${target >= 0 ? "drop-here" : ""}`}>
      <section data-testid="list" data-list-id={list.id} aria-labelledby={headingId}>
        <header class="list-head">
          {renaming ? (
            <Rename
              id={`rename-${list.id}`}
              label="List name"
              current={list.name}
              changedBy={() => session.nameOf(session.store.lastActor(list.id))}
              save={(name) => session.renameList(list.id, name)}
              done={() => setRenaming(false)}
            />
          ) : (
            <h2 id={headingId}>
              {list.name} <span class="count">{tasks.length}</span>
            </h2>
          )}
          {!readOnly && (
          <details class="menu">
            <summary aria-label={`Actions for list ${list.name}`}>
              <IconMore />
            </summary>
            <div class="menu-items">
              <button type="button" onClick={(e) => { closeMenu(e); setRenaming(true); }}>Rename</button>
              <button type="button" disabled={list.position === 0} onClick={(e) => { closeMenu(e); session.moveList(list.id, list.position - 1); }}>
                Move left
              </button>
              <button type="button" disabled={list.position === last} onClick={(e) => { closeMenu(e); session.moveList(list.id, list.position + 1); }}>
                Move right
              </button>
              <button
                type="button"
                class="danger"
                onClick={(e) => {
                  closeMenu(e);
                  if (confirm(`Delete the list “${list.name}” and its ${tasks.length} tasks?`)) session.deleteList(list.id);
                }}
              >
                Delete
              </button>
            </div>
          </details>
          )}
        </header>
        <ol class="cards" aria-labelledby={headingId}>
          {shown.flatMap((t, i) => [
            i === target ? <li key="drop" class="drop-line" aria-hidden="true" /> : null,
            <Card
              key={t.id}
              session={session}
              task={t}
              lists={lists}
              pending={pending.has(t.id)}
              typists={typists}
              readOnly={readOnly}
              members={members}
              stop={(focused.value[list.id] && shown.some((x) => x.id === focused.value[list.id]) ? focused.value[list.id] : shown[0]?.id) === t.id}
            />,
          ])}
          {target >= shown.length && <li key="drop" class="drop-line" aria-hidden="true" />}
        </ol>
        {!readOnly && (
        <form
          class="new-task"
          onSubmit={(e) => {
            e.preventDefault();
            session.createTask(list.id, title);
            setTitle("");
          }}
        >
          <label class="sr-only" for={`new-task-${list.id}`}>
            New task in {list.name}
          </label>
          <input
            id={`new-task-${list.id}`}
            data-testid="new-task-input"
            placeholder="+ Add a task"
            value={title}
            maxLength={200}
            enterKeyHint="done"
            onInput={(e) => setTitle(e.currentTarget.value)}
          />
        </form>
        )}
      </section>
    </li>
  );
}

function closeMenu(e: Event) {
  (e.currentTarget as HTMLElement).closest("details")?.removeAttribute("open");
}

interface CardProps {
  session: BoardSession;
  task: Task;
  lists: List[];
  pending: boolean;
  typists: Typist[];
  readOnly: boolean;
  members: Member[] | null;
  /** stop is set on the one card of its list that Tab stops at (roving focus). */
  stop: boolean;
}

/** focused is, for each list, the card last focused in it: the list's one Tab stop. */
const focused = signal<Record<string, string>>({});

/** focusCard moves the focus to the card at index (clamped) of list listId. */
function focusCard(listId: string, index: number): void {
  const cards = document.querySelectorAll<HTMLElement>(`[data-testid=list][data-list-id="${CSS.escape(listId)}"] [data-testid=task-card]`);
  if (cards.length > 0) cards[Math.max(0, Math.min(index, cards.length - 1))].focus();
}

const Card = memo(CardView);

function CardView({ session, task, lists, pending, typists, readOnly, members, stop }: CardProps) {
  const typing = typists.filter((x) => x.taskId === task.id);
  const assignee = task.assigneeId ? members?.find((m) => m.userId === task.assigneeId)?.name ?? task.assigneeId : null;

  function keys(e: KeyboardEvent) {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      editing.value = task.id;
      return;
    }
    if (!e.altKey) {
      // Roving focus: up and down within the list, Home and End to its ends, left and right to
      // the card at the same place in the next list that has one.
      const li = lists.findIndex((l) => l.id === task.listId);
      const step = { ArrowUp: -1, ArrowDown: 1 }[e.key];
      const side = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
      if (step) focusCard(task.listId, task.position + step);
      else if (e.key === "Home") focusCard(task.listId, 0);
      else if (e.key === "End") focusCard(task.listId, Infinity);
      else if (side) {
        for (let i = li + side; i >= 0 && i < lists.length; i += side) {
          if (document.querySelector(`[data-testid=list][data-list-id="${CSS.escape(lists[i].id)}"] [data-testid=task-card]`)) {
            focusCard(lists[i].id, task.position);
            break;
          }
        }
      } else return;
      e.preventDefault();
      return;
    }
    if (!["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(e.key)) return;
    // Alt with an arrow is a move here, even where none is possible: never the browser's
    // back or forward.
    e.preventDefault();
    if (readOnly) return;
    const li = lists.findIndex((l) => l.id === task.listId);
    let to: { listId: string; position: number } | null = null;
    if (e.key === "ArrowUp" && task.position > 0) to = { listId: task.listId, position: task.position - 1 };
    if (e.key === "ArrowDown") to = { listId: task.listId, position: task.position + 1 };
    if (e.key === "ArrowLeft" && li > 0) to = { listId: lists[li - 1].id, position: task.position };
    if (e.key === "ArrowRight" && li < lists.length - 1) to = { listId: lists[li + 1].id, position: task.position };
    if (!to || !session.moveTask(task.id, to.listId, to.position)) return;
    const moved = session.store.view.value?.tasks.find((t) => t.id === task.id);
    const list = lists.find((l) => l.id === moved?.listId);
    if (moved && list) announce(`Moved to ${list.name}, position ${moved.position + 1}.`);
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-testid=task-card][data-task-id="${CSS.escape(task.id)}"]`)?.focus());
  }

  return (
    <li
      class={`card ${pending ? "is-pending" : ""}`}
      data-testid="task-card"
      data-task-id={task.id}
      data-pending={pending ? "true" : undefined}
      tabIndex={stop ? 0 : -1}
      onFocus={() => focused.value[task.listId] !== task.id && (focused.value = { ...focused.value, [task.listId]: task.id })}
      aria-label={[task.title, assignee && `assigned to ${assignee}`, task.description && "has a description", pending && "not saved yet"]
        .filter(Boolean)
        .join(", ")}
      aria-describedby="card-help"
      onKeyDown={keys}
      onPointerDown={(e) =>
        readOnly
          ? undefined
          : startPress(e, e.currentTarget, task.id, task.title, (listId, index) => void session.moveTask(task.id, listId, index))
      }
      onClick={() => (editing.value = task.id)}
    >
      <p class="title">{task.title}</p>
      {(task.description || assignee || pending) && (
        <div class="meta">
          {task.description && (
            <span class="has-desc" title="Has a description">
              <IconText />
            </span>
          )}
          {pending && <span class="badge-pending">pending</span>}
          {assignee && task.assigneeId && (
            <span class="assignee" title={`Assigned to ${assignee}`} style={{ background: colorOf(task.assigneeId) }}>
              {initials(assignee)}
            </span>
          )}
        </div>
      )}
      {typing.length > 0 && (
        <p class="typing" data-testid="typing-indicator">
          {typing.map((x) => x.name).join(", ")} {typing.length > 1 ? "are" : "is"} typing…
        </p>
      )}
    </li>
  );
}
