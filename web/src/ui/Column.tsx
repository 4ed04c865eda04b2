import { signal } from "@preact/signals";
import { memo } from "./memo";
import { useState } from "preact/hooks";
import { IconCheck, IconComment, IconMore, IconText } from "./icons";
import type { BoardSession } from "../boardSession";
import type { Typist } from "../collab";
import { longDay, dueState, dueWords, progress } from "../cards";
import { assigneesOf } from "../merge";
import { tasksOf } from "../state";
import type { Label, List, Member, Task } from "../types";
import { Avatars, DueBadge, LabelChip, labelName } from "./badges";
import { announce } from "./announce";
import { drag, startPress } from "./drag";
import { Rename } from "./Rename";
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
  labels: Label[];
  /** now is the time due dates are judged at. */
  now: Date;
  /** total is the list's number of cards when a filter shows only some (tasks), else undefined. */
  total?: number;
}

/**
 * Column is one list. It renders again only when something it shows changed (its list, its
 * cards, what is pending or typed, a drag), so a change to one card of a large board redraws
 * one list, not every list.
 */
export const Column = memo(ColumnView, (a, b) =>
  a.session === b.session && a.list === b.list && a.lists === b.lists && a.members === b.members &&
  a.pending === b.pending && a.typists === b.typists && a.readOnly === b.readOnly &&
  a.labels === b.labels && a.now === b.now && a.total === b.total &&
  a.tasks.length === b.tasks.length && a.tasks.every((t, i) => t === b.tasks[i]),
);

function ColumnView({ session, list, tasks, members, lists, pending, typists, readOnly, labels, now, total }: ColumnProps) {
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
              {list.name} <span class="count">{total !== undefined ? `${tasks.length} of ${total}` : tasks.length}</span>
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
              labels={labels}
              now={now}
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

/**
 * placeIn maps a drop at index among the cards shown in listId to the final position in the
 * whole list: with a filter on, a drop between two shown cards lands between the same two.
 */
function placeIn(session: BoardSession, taskId: string, listId: string, index: number): number {
  const v = session.store.view.value;
  if (!v) return index;
  const all = tasksOf(v, listId).filter((t) => t.id !== taskId);
  const shown = [...document.querySelectorAll<HTMLElement>(`[data-testid=list][data-list-id="${CSS.escape(listId)}"] [data-testid=task-card]`)]
    .map((e) => e.dataset.taskId)
    .filter((id) => id !== taskId);
  if (shown.length === all.length) return index;
  if (index < shown.length) return Math.max(0, all.findIndex((t) => t.id === shown[index]));
  const last = shown[shown.length - 1];
  return last ? all.findIndex((t) => t.id === last) + 1 : all.length;
}

interface CardProps {
  session: BoardSession;
  task: Task;
  lists: List[];
  pending: boolean;
  typists: Typist[];
  readOnly: boolean;
  members: Member[] | null;
  labels: Label[];
  now: Date;
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

/** shownIndex returns the index of a card among the cards of its list on the page. */
function shownIndex(listId: string, taskId: string): number {
  const cards = [...document.querySelectorAll<HTMLElement>(`[data-testid=list][data-list-id="${CSS.escape(listId)}"] [data-testid=task-card]`)];
  return Math.max(0, cards.findIndex((c) => c.dataset.taskId === taskId));
}

const Card = memo(CardView);

function CardView({ session, task, lists, pending, typists, readOnly, members, labels, now, stop }: CardProps) {
  const typing = typists.filter((x) => x.taskId === task.id);
  const who = assigneesOf(task);
  const names = who.map((id) => members?.find((m) => m.userId === id)?.name ?? id);
  const chips = (task.labelIds ?? []).flatMap((id) => labels.find((l) => l.id === id) ?? []);
  const check = progress(task);
  const due = dueState(task, now);
  const comments = task.commentCount ?? 0;

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
      // The card's place among those shown: with a filter on, not its position in the list.
      const at = shownIndex(task.listId, task.id);
      if (step) focusCard(task.listId, at + step);
      else if (e.key === "Home") focusCard(task.listId, 0);
      else if (e.key === "End") focusCard(task.listId, Infinity);
      else if (side) {
        for (let i = li + side; i >= 0 && i < lists.length; i += side) {
          if (document.querySelector(`[data-testid=list][data-list-id="${CSS.escape(lists[i].id)}"] [data-testid=task-card]`)) {
            focusCard(lists[i].id, at);
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
      aria-label={[
        task.title,
        chips.length > 0 && `labels ${chips.map(labelName).join(", ")}`,
        names.length > 0 && `assigned to ${names.join(" and ")}`,
        due && task.dueAt && `${dueWords[due]} ${longDay(task.dueAt)}`,
        check.total > 0 && `checklist ${check.done} of ${check.total} done`,
        comments > 0 && `${comments} comment${comments > 1 ? "s" : ""}`,
        task.description && "has a description",
        pending && "not saved yet",
      ]
        .filter(Boolean)
        .join(", ")}
      aria-describedby="card-help"
      onKeyDown={keys}
      onPointerDown={(e) =>
        readOnly
          ? undefined
          : startPress(e, e.currentTarget, task.id, task.title, (listId, index) => void session.moveTask(task.id, listId, placeIn(session, task.id, listId, index), true))
      }
      onClick={() => (editing.value = task.id)}
    >
      {chips.length > 0 && (
        <div class="chips" aria-hidden="true">
          {chips.map((l) => (
            <LabelChip key={l.id} label={l} small />
          ))}
        </div>
      )}
      <p class="title">{task.title}</p>
      {(task.description || who.length > 0 || pending || due || check.total > 0 || comments > 0) && (
        <div class="meta" aria-hidden="true">
          <DueBadge task={task} now={now} />
          {check.total > 0 && (
            <span class={`progress ${check.done === check.total ? "complete" : ""}`} data-testid="checklist-progress" title="Checklist">
              <IconCheck />
              {check.done}/{check.total}
            </span>
          )}
          {comments > 0 && (
            <span class="comments" data-testid="comment-count" title="Comments">
              <IconComment />
              {comments}
            </span>
          )}
          {task.description && (
            <span class="has-desc" title="Has a description">
              <IconText />
            </span>
          )}
          {pending && <span class="badge-pending">pending</span>}
          <Avatars ids={who} members={members} />
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
