import { fromSnapshot, type BoardState } from "../state";
import type { KeyValue } from "../queue";
import type { BoardEvent, Task } from "../types";

export function task(id: string, listId: string, position: number, extra: Partial<Task> = {}): Task {
  return {
    id,
    boardId: "board-1",
    listId,
    title: id,
    description: null,
    assigneeId: null,
    position,
    version: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...extra,
  };
}

/** board is the demo board-1: To Do (task-1, task-2), In Progress (task-3), Done (task-4). */
export function board(seq = 0): BoardState {
  return fromSnapshot({
    board: { id: "board-1", name: "Launch", createdAt: "", role: "owner" },
    lists: [
      { id: "todo", boardId: "board-1", name: "To Do", position: 0 },
      { id: "doing", boardId: "board-1", name: "In Progress", position: 1 },
      { id: "done", boardId: "board-1", name: "Done", position: 2 },
    ],
    tasks: [task("task-1", "todo", 0), task("task-2", "todo", 1), task("task-3", "doing", 0), task("task-4", "done", 0)],
    seq,
  });
}

/** order lists a list's task ids in position order. */
export function order(s: BoardState, listId: string): string[] {
  return s.tasks
    .filter((t) => t.listId === listId)
    .sort((a, b) => a.position - b.position)
    .map((t) => t.id);
}

export function event(seq: number, e: Partial<BoardEvent>): BoardEvent {
  return { type: "task_updated", boardId: "board-1", seq, at: "", actorId: "user-bob", ...e } as BoardEvent;
}

/** MemoryStorage is a Web Storage stand-in. */
export class MemoryStorage implements KeyValue {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  get length() {
    return this.map.size;
  }
}
