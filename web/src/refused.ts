// Edits the server refused because someone else changed the same fields first. They are not
// dropped: the open board reopens each in its card dialog, where the user settles every
// conflicting field, as they would while the dialog was open.

import { signal } from "@preact/signals";
import { valuesOf, type Changes, type Values } from "./merge";
import type { Op } from "./ops";
import type { Task } from "./types";

export interface RefusedEdit {
  boardId: string;
  taskId: string;
  /** base is what the edit was made against, at version. */
  base: Values;
  version: number;
  changes: Changes;
}

/** refusedEdits holds the refused edits not yet reopened. */
export const refusedEdits = signal<RefusedEdit[]>([]);

/** keepRefused records a refused task edit for its board to reopen; it reports whether op was one. */
export function keepRefused(op: Op, current: Task | undefined): boolean {
  if (op.kind !== "updateTask" || !current) return false;
  const b = op.base;
  const now = valuesOf(current);
  const base: Values = {
    title: b.title ?? now.title,
    description: b.description === undefined ? now.description : (b.description ?? ""),
    assigneeIds: b.assigneeIds ? b.assigneeIds.join(",") : b.assigneeId !== undefined ? (b.assigneeId ?? "") : now.assigneeIds,
    labelIds: b.labelIds ? b.labelIds.join(",") : now.labelIds,
    dueAt: b.dueAt === undefined ? now.dueAt : (b.dueAt ?? ""),
    listId: current.listId,
  };
  const edit: RefusedEdit = { boardId: op.boardId, taskId: op.taskId, base, version: op.baseVersion, changes: { ...op.fields } };
  refusedEdits.value = [...refusedEdits.value.filter((r) => r.taskId !== op.taskId), edit];
  return true;
}

/** takeRefused removes and returns the first refused edit of a board, if any. */
export function takeRefused(boardId: string): RefusedEdit | undefined {
  const r = refusedEdits.value.find((x) => x.boardId === boardId);
  if (r) refusedEdits.value = refusedEdits.value.filter((x) => x !== r);
  return r;
}
