// Reconciliation: the board the user sees is the board the server confirmed, with the user's
// pending changes applied on top, in order. When an event arrives the confirmed board moves
// on and the pending changes are applied again on top of it, so another user's change and the
// user's own unconfirmed one are both visible, and a change the server refused disappears by
// leaving the queue: the rollback is the recomputation.

import { applyOp, targetId, type Op } from "./ops";
import type { BoardState } from "./state";

/** reconcile returns the board as the user sees it: confirmed plus ops. */
export function reconcile(confirmed: BoardState, ops: readonly Op[], now = ""): BoardState {
  let s = confirmed;
  for (const op of ops) s = applyOp(s, op, now);
  return s;
}

/**
 * pendingTargets returns the ids of the tasks and lists with an unacknowledged change, which
 * the view marks as pending; a created one is named by its temporary id.
 */
export function pendingTargets(ops: readonly Op[]): Set<string> {
  const ids = new Set<string>();
  for (const op of ops) if (!op.ack) ids.add(targetId(op));
  return ids;
}
