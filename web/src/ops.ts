// Pending changes: what the user did that the server has not confirmed yet. Each carries its
// own id, sent as the Idempotency-Key, which the server echoes in the event as
// clientMutationId; replaying a change with the same id never applies it twice.

import { putList, putTask, removeList, removeTask, tasksOf, type BoardState } from "./state";
import type { List, Task } from "./types";

export interface TaskFields {
  title?: string;
  description?: string | null;
  /** assigneeId is the v1 field; changes made before v2 may still carry it. */
  assigneeId?: string | null;
  assigneeIds?: string[];
  labelIds?: string[];
  dueAt?: string | null;
}

interface OpBase {
  /** id is the mutation id: Idempotency-Key on the wire, clientMutationId in the echo. */
  id: string;
  boardId: string;
  /** label names the change in notices ("Move “Write docs”"). */
  label: string;
  /** sent is set once a request for the op may have reached the server. */
  sent?: boolean;
  /** ack is the server's answer, kept until the confirmed state shows it (see settled). */
  ack?: Ack;
}

export interface Ack {
  /** version of the task the server answered, for task ops. */
  version?: number;
  task?: Task;
  list?: List;
  /** epoch counts acks, so that a snapshot requested after an ack is known to hold it. */
  epoch: number;
}

export type Op =
  | (OpBase & {
      kind: "createTask";
      tempId: string;
      listId: string;
      title: string;
      position?: number;
      description?: string | null;
      assigneeId?: string | null;
      assigneeIds?: string[];
      labelIds?: string[];
      dueAt?: string | null;
    })
  | (OpBase & { kind: "updateTask"; taskId: string; fields: TaskFields; base: TaskFields; baseVersion: number })
  | (OpBase & { kind: "moveTask"; taskId: string; listId: string; position: number })
  | (OpBase & { kind: "deleteTask"; taskId: string; base: TaskFields; baseVersion: number })
  | (OpBase & { kind: "archiveTask"; taskId: string })
  /** task is the card as it was archived, to show it back at once. */
  | (OpBase & { kind: "restoreTask"; taskId: string; task: Task; listId: string; position: number })
  | (OpBase & { kind: "createList"; tempId: string; name: string })
  | (OpBase & { kind: "updateList"; listId: string; name?: string; position?: number })
  | (OpBase & { kind: "deleteList"; listId: string });

export type OpKind = Op["kind"];

/** tempPrefix starts the ids the client gives tasks and lists it created until the server names them. */
export const tempPrefix = "tmp-";

export function isTemp(id: string): boolean {
  return id.startsWith(tempPrefix);
}

/** targetId is the task or list an op acts on (the temporary id for creations). */
export function targetId(op: Op): string {
  switch (op.kind) {
    case "createTask":
    case "createList":
      return op.tempId;
    case "updateTask":
    case "moveTask":
    case "deleteTask":
    case "archiveTask":
    case "restoreTask":
      return op.taskId;
    case "updateList":
    case "deleteList":
      return op.listId;
  }
}

/** refs lists every id an op depends on: its target, and for tasks the list it goes to. */
export function refs(op: Op): string[] {
  switch (op.kind) {
    case "createTask":
    case "moveTask":
    case "restoreTask":
      return [targetId(op), op.listId];
    default:
      return [targetId(op)];
  }
}

/** renameIds replaces a temporary id by the server's everywhere in op. */
export function renameIds(op: Op, from: string, to: string): Op {
  const r = (id: string) => (id === from ? to : id);
  switch (op.kind) {
    case "createTask":
      return { ...op, listId: r(op.listId) };
    case "moveTask":
      return { ...op, taskId: r(op.taskId), listId: r(op.listId) };
    case "restoreTask":
      return { ...op, taskId: r(op.taskId), listId: r(op.listId) };
    case "updateTask":
    case "deleteTask":
    case "archiveTask":
      return { ...op, taskId: r(op.taskId) };
    case "updateList":
    case "deleteList":
      return { ...op, listId: r(op.listId) };
    case "createList":
      return op;
  }
}

/**
 * applyOp shows op on top of s, as the server will once it applies it. An op whose task or
 * list is gone leaves s unchanged: the server will reject it and the notice says why.
 */
export function applyOp(s: BoardState, op: Op, now = ""): BoardState {
  switch (op.kind) {
    case "createTask": {
      const id = op.ack?.task?.id ?? op.tempId;
      if (s.tasks.some((t) => t.id === id) || !s.lists.some((l) => l.id === op.listId)) return s;
      const task: Task = op.ack?.task ?? withFields(
        {
          id,
          boardId: op.boardId,
          listId: op.listId,
          title: op.title.trim(),
          description: op.description ?? null,
          assigneeId: op.assigneeId ?? null,
          position: op.position ?? tasksOf(s, op.listId).length,
          version: 0,
          createdAt: now,
          updatedAt: now,
        },
        { assigneeIds: op.assigneeIds, labelIds: op.labelIds, dueAt: op.dueAt },
      );
      return putTask(s, task);
    }
    case "updateTask": {
      const t = s.tasks.find((t) => t.id === op.taskId);
      if (!t) return s;
      return { ...s, tasks: s.tasks.map((x) => (x.id !== t.id ? x : withFields(x, op.fields))) };
    }
    case "archiveTask":
      return removeTask(s, op.taskId);
    case "restoreTask": {
      if (s.tasks.some((t) => t.id === op.taskId) || !s.lists.some((l) => l.id === op.listId)) return s;
      return putTask(s, { ...op.task, listId: op.listId, position: op.position, archivedAt: null });
    }
    case "moveTask": {
      const t = s.tasks.find((t) => t.id === op.taskId);
      if (!t || !s.lists.some((l) => l.id === op.listId)) return s;
      return putTask(s, { ...t, listId: op.listId, position: op.position });
    }
    case "deleteTask":
      return removeTask(s, op.taskId);
    case "createList": {
      const id = op.ack?.list?.id ?? op.tempId;
      if (s.lists.some((l) => l.id === id)) return s;
      return putList(s, op.ack?.list ?? { id, boardId: op.boardId, name: op.name.trim(), position: s.lists.length });
    }
    case "updateList": {
      const l = s.lists.find((l) => l.id === op.listId);
      if (!l) return s;
      return putList(s, { ...l, name: op.name?.trim() ?? l.name, position: op.position ?? l.position });
    }
    case "deleteList":
      return removeList(s, op.listId);
  }
}

/**
 * settled reports whether the confirmed state already shows an acknowledged op, so that it can
 * leave the queue even when no echo will come (an update that changed nothing emits no event).
 */
export function settled(s: BoardState, op: Op): boolean {
  if (!op.ack) return false;
  switch (op.kind) {
    case "createTask":
      return op.ack.task !== undefined && s.tasks.some((t) => t.id === op.ack!.task!.id);
    case "updateTask":
    case "moveTask": {
      const t = s.tasks.find((t) => t.id === op.taskId);
      return !t || t.version >= (op.ack.version ?? Infinity);
    }
    case "deleteTask":
    case "archiveTask":
      return !s.tasks.some((t) => t.id === op.taskId);
    case "restoreTask":
      return s.tasks.some((t) => t.id === op.taskId);
    case "createList":
      return op.ack.list !== undefined && s.lists.some((l) => l.id === op.ack!.list!.id);
    case "updateList": {
      const l = s.lists.find((l) => l.id === op.listId);
      const want = op.ack.list;
      return !l || (want !== undefined && l.name === want.name && l.position === want.position);
    }
    case "deleteList":
      return !s.lists.some((l) => l.id === op.listId);
  }
}

/** withFields returns t with the fields an edit sets; assigneeId and assigneeIds stay in step. */
export function withFields(t: Task, f: TaskFields): Task {
  const next: Task = { ...t };
  if (f.title !== undefined) next.title = f.title.trim();
  if (f.description !== undefined) next.description = f.description;
  if (f.assigneeIds !== undefined) {
    next.assigneeIds = [...new Set(f.assigneeIds)];
    next.assigneeId = next.assigneeIds[0] ?? null;
  } else if (f.assigneeId !== undefined) {
    next.assigneeId = f.assigneeId;
    next.assigneeIds = f.assigneeId ? [f.assigneeId] : [];
  }
  if (f.labelIds !== undefined) next.labelIds = [...new Set(f.labelIds)];
  if (f.dueAt !== undefined) next.dueAt = f.dueAt;
  return next;
}
