// Board state and how board events change it. Everything here is pure: a function returns a new
// state and never modifies its input, so the view can be recomputed from the confirmed state
// and the pending changes at any time (see reconcile.ts).

import type { Board, BoardEvent, Label, List, Member, Snapshot, Task } from "./types";

/** BoardState is a board as the client knows it, up to event seq. */
export interface BoardState {
  board: Board;
  lists: List[];
  tasks: Task[];
  /** labels are the board's labels, in the order the server gave them. */
  labels: Label[];
  seq: number;
  /** members is null while the server has not told them (or has no members endpoint). */
  members: Member[] | null;
  deleted: boolean;
}

export function fromSnapshot(s: Snapshot, members: Member[] | null = null): BoardState {
  return {
    board: s.board,
    lists: sortByPosition(s.lists),
    // Archived tasks are not on the board; a server that sends them anyway is not trusted blindly.
    tasks: s.tasks.filter((t) => !t.archivedAt),
    labels: s.labels ?? [],
    seq: s.seq,
    members,
    deleted: false,
  };
}

const byPosition = (a: { position: number }, b: { position: number }) => a.position - b.position;

export function sortByPosition<T extends { position: number }>(xs: readonly T[]): T[] {
  return [...xs].sort(byPosition);
}

/** tasksOf returns the tasks of a list in position order. */
export function tasksOf(s: BoardState, listId: string): Task[] {
  return sortByPosition(s.tasks.filter((t) => t.listId === listId));
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** renumber gives xs (in order) the positions 0..n-1, copying only the elements that change. */
function renumber<T extends { position: number }>(xs: T[]): T[] {
  return xs.map((x, i) => (x.position === i ? x : { ...x, position: i }));
}

/**
 * putTask places task at task.position (clamped) in task.listId, taking it out of wherever it
 * was, and renumbers both lists as the server does.
 */
export function putTask(s: BoardState, task: Task): BoardState {
  const old = s.tasks.find((t) => t.id === task.id);
  const rest = s.tasks.filter((t) => t.id !== task.id);
  const target = sortByPosition(rest.filter((t) => t.listId === task.listId));
  const placed = { ...task, position: clamp(task.position, 0, target.length) };
  target.splice(placed.position, 0, placed);
  const changed = new Map<string, Task>();
  for (const t of renumber(target)) changed.set(t.id, t);
  if (old && old.listId !== task.listId) {
    for (const t of renumber(sortByPosition(rest.filter((t) => t.listId === old.listId)))) changed.set(t.id, t);
  }
  const tasks = rest.map((t) => changed.get(t.id) ?? t);
  tasks.push(changed.get(task.id)!);
  return { ...s, tasks };
}

/** removeTask takes a task out and renumbers its list. */
export function removeTask(s: BoardState, taskId: string): BoardState {
  const old = s.tasks.find((t) => t.id === taskId);
  if (!old) return s;
  const rest = s.tasks.filter((t) => t.id !== taskId);
  const changed = new Map(renumber(sortByPosition(rest.filter((t) => t.listId === old.listId))).map((t) => [t.id, t]));
  return { ...s, tasks: rest.map((t) => changed.get(t.id) ?? t) };
}

/** putList places list at list.position (clamped) among the board's lists. */
export function putList(s: BoardState, list: List): BoardState {
  const rest = s.lists.filter((l) => l.id !== list.id);
  const placed = { ...list, position: clamp(list.position, 0, rest.length) };
  rest.splice(placed.position, 0, placed);
  return { ...s, lists: renumber(rest) };
}

/** removeList takes a list and its tasks out. */
export function removeList(s: BoardState, listId: string): BoardState {
  if (!s.lists.some((l) => l.id === listId)) return s;
  return {
    ...s,
    lists: renumber(s.lists.filter((l) => l.id !== listId)),
    tasks: s.tasks.filter((t) => t.listId !== listId),
  };
}

/**
 * applyEvent applies a board event. Events at or below s.seq are already in s and change
 * nothing, so a replayed event is harmless.
 */
export function applyEvent(s: BoardState, ev: BoardEvent): BoardState {
  if (ev.seq <= s.seq) return s;
  let next = applyChange(s, ev);
  next = next === s ? { ...s, seq: ev.seq } : { ...next, seq: ev.seq };
  return next;
}

function applyChange(s: BoardState, ev: BoardEvent): BoardState {
  switch (ev.type) {
    case "task_created":
    case "task_updated":
    case "task_moved":
      return ev.task ? putTask(s, ev.task) : s;
    case "task_deleted":
      return ev.taskId ? removeTask(s, ev.taskId) : s;
    case "task_archived":
      return removeTask(s, ev.task?.id ?? ev.taskId ?? "");
    case "task_restored":
      return ev.task ? putTask(s, { ...ev.task, archivedAt: null }) : s;
    case "comment_added":
    case "comment_deleted":
      // The server sends the task with its new count and version; without it, count here.
      if (ev.task) return s.tasks.some((t) => t.id === ev.task!.id) ? putTask(s, ev.task) : s;
      return countComment(s, ev.comment?.taskId ?? ev.taskId, ev.type === "comment_added" ? 1 : -1);
    case "label_created":
    case "label_updated":
      return ev.label ? putLabel(s, ev.label) : s;
    case "label_deleted":
      // The server moves each task that had the label to its next version, at the event's time.
      return ev.labelId ? nextVersions(removeLabel(s, ev.labelId), ev.taskIds ?? [], ev.at) : s;
    case "list_created":
    case "list_updated":
      return ev.list ? putList(s, ev.list) : s;
    case "list_deleted":
      return ev.listId ? removeList(s, ev.listId) : s;
    case "board_updated":
      return ev.board ? { ...s, board: { ...ev.board, role: ev.board.role ?? s.board.role } } : s;
    case "board_deleted":
      return { ...s, deleted: true };
    case "member_added":
      if (!ev.member || s.members === null) return s;
      return { ...s, members: [...s.members.filter((m) => m.userId !== ev.member!.userId), ev.member] };
    case "member_removed":
      if (s.members === null) return s;
      return { ...s, members: s.members.filter((m) => m.userId !== ev.userId) };
    default:
      return s;
  }
}

/** putLabel adds a label, or replaces the one with its id in place. */
export function putLabel(s: BoardState, label: Label): BoardState {
  const i = s.labels.findIndex((l) => l.id === label.id);
  const labels = i < 0 ? [...s.labels, label] : s.labels.map((l) => (l.id === label.id ? label : l));
  return { ...s, labels };
}

/** removeLabel takes a label off the board and off every task that had it. */
export function removeLabel(s: BoardState, labelId: string): BoardState {
  return {
    ...s,
    labels: s.labels.filter((l) => l.id !== labelId),
    tasks: s.tasks.map((t) => (t.labelIds?.includes(labelId) ? { ...t, labelIds: t.labelIds.filter((x) => x !== labelId) } : t)),
  };
}

function nextVersions(s: BoardState, taskIds: string[], at: string): BoardState {
  const ids = new Set(taskIds);
  return { ...s, tasks: s.tasks.map((t) => (ids.has(t.id) ? { ...t, version: t.version + 1, updatedAt: at } : t)) };
}

function countComment(s: BoardState, taskId: string | undefined, by: number): BoardState {
  if (!taskId) return s;
  return {
    ...s,
    tasks: s.tasks.map((t) => (t.id === taskId ? { ...t, commentCount: Math.max(0, (t.commentCount ?? 0) + by) } : t)),
  };
}
