// The pending-change queue: the user's changes the server has not confirmed, kept in order and
// durably (localStorage), so that changes made offline survive a reload and are replayed in
// order on reconnect with their idempotency keys.

import { isTemp, refs, renameIds, settled, type Ack, type Op } from "./ops";
import type { BoardState } from "./state";

/** KeyValue is the part of the Web Storage API the queue uses. */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  key(index: number): string | null;
  readonly length: number;
}

interface Saved {
  ops: Op[];
  renamed: Record<string, string>;
  touched: number;
}

/** orphanAfter is how long a queue saved by another tab may go untouched before this one adopts it. */
export const orphanAfter = 20_000;

const prefix = "taskboard.pending.";

/**
 * PendingQueue holds one tab's pending changes for one user. Each tab has its own queue (its id
 * survives reloads in sessionStorage); a queue left by a closed tab is adopted by the next tab
 * of the same user, so no change is lost and none is sent by two tabs at once.
 */
export class PendingQueue {
  private ops: Op[] = [];
  /** renamed maps temporary ids to the server's ids once their creation is acknowledged. */
  private renamed = new Map<string, string>();
  private readonly key: string;
  private listeners = new Set<() => void>();
  private ackEpoch = 0;

  constructor(
    private readonly store: KeyValue,
    userId: string,
    tabId: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = `${prefix}${userId}.${tabId}`;
    this.load(this.key);
    this.adoptOrphans(`${prefix}${userId}.`);
  }

  /** all returns the pending ops in order. */
  all(): readonly Op[] {
    return this.ops;
  }

  /** forBoard returns the pending ops of one board in order. */
  forBoard(boardId: string): Op[] {
    return this.ops.filter((o) => o.boardId === boardId);
  }

  /** unconfirmed counts a board's ops the server has not acknowledged yet. */
  unconfirmed(boardId: string): number {
    return this.ops.filter((o) => o.boardId === boardId && !o.ack).length;
  }

  /** next returns the first op not yet acknowledged: the one to send. */
  next(): Op | undefined {
    return this.ops.find((o) => !o.ack);
  }

  /** resolve returns the server's id for a temporary id once known, else id. */
  resolve(id: string): string {
    return this.renamed.get(id) ?? id;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  add(op: Op): void {
    this.ops = [...this.ops, renameAll(op, this.renamed)];
    this.changed();
  }

  /** markSent records that a request for op may have reached the server. */
  markSent(id: string): void {
    this.update(id, (o) => (o.sent ? o : { ...o, sent: true }));
  }

  /** replace swaps an op for a new version of it (a rebased update after a 412). */
  replace(op: Op): void {
    this.update(op.id, () => op);
  }

  /**
   * ack records the server's answer to op id. A creation names its task or list: later ops
   * that used the temporary id use the server's from now on.
   */
  ack(id: string, ack: Omit<Ack, "epoch">): void {
    const op = this.ops.find((o) => o.id === id);
    if (!op) return;
    const full: Ack = { ...ack, epoch: ++this.ackEpoch };
    this.ops = this.ops.map((o) => (o.id === id ? { ...o, ack: full } : o));
    const real = ack.task?.id ?? ack.list?.id;
    if ((op.kind === "createTask" || op.kind === "createList") && real) this.rename(op.tempId, real);
    this.changed();
  }

  /** epoch returns the count of acks so far; see dropAckedBefore. */
  epoch(): number {
    return this.ackEpoch;
  }

  /**
   * confirm removes the op whose id a board event echoed as clientMutationId; for a creation
   * it learns the server's id from the event. It reports whether an op was removed.
   */
  confirm(mutationId: string, createdId?: string): boolean {
    const op = this.ops.find((o) => o.id === mutationId);
    if (!op) return false;
    this.ops = this.ops.filter((o) => o.id !== mutationId);
    if ((op.kind === "createTask" || op.kind === "createList") && createdId) this.rename(op.tempId, createdId);
    this.changed();
    return true;
  }

  /**
   * reject removes an op the server refused, with every later op that depended on a task or
   * list it was creating; it returns what it removed, the refused op first.
   */
  reject(id: string): Op[] {
    const op = this.ops.find((o) => o.id === id);
    if (!op) return [];
    const removed = [op];
    if (op.kind === "createTask" || op.kind === "createList") {
      const gone = new Set([op.tempId]);
      for (const o of this.ops) {
        if (o !== op && refs(o).some((r) => gone.has(r))) {
          removed.push(o);
          if (o.kind === "createTask") gone.add(o.tempId);
        }
      }
    }
    const ids = new Set(removed.map((o) => o.id));
    this.ops = this.ops.filter((o) => !ids.has(o.id));
    this.changed();
    return removed;
  }

  /** settle removes a board's acknowledged ops that its confirmed state already shows. */
  settle(boardId: string, s: BoardState): void {
    const before = this.ops.length;
    this.ops = this.ops.filter((o) => o.boardId !== boardId || !settled(s, o));
    if (this.ops.length !== before) this.changed();
  }

  /**
   * dropAckedBefore removes a board's ops acknowledged at or before epoch: a snapshot requested
   * after that holds them.
   */
  dropAckedBefore(boardId: string, epoch: number): void {
    const before = this.ops.length;
    this.ops = this.ops.filter((o) => o.boardId !== boardId || !o.ack || o.ack.epoch > epoch);
    if (this.ops.length !== before) this.changed();
  }

  /** touch marks the queue as owned by a live tab, so that no other tab adopts it. */
  touch(): void {
    if (this.ops.length > 0) this.save();
  }

  private rename(from: string, to: string): void {
    if (!isTemp(from) || from === to) return;
    this.renamed.set(from, to);
    this.ops = this.ops.map((o) => renameIds(o, from, to));
  }

  private update(id: string, f: (o: Op) => Op): void {
    let hit = false;
    this.ops = this.ops.map((o) => (o.id === id ? ((hit = true), f(o)) : o));
    if (hit) this.changed();
  }

  private changed(): void {
    this.save();
    for (const fn of this.listeners) fn();
  }

  private save(): void {
    if (this.ops.length === 0) {
      // The renames stay in memory: an open dialog may still name a task by its temporary id.
      this.store.removeItem(this.key);
      return;
    }
    const saved: Saved = { ops: this.ops, renamed: Object.fromEntries(this.renamed), touched: this.now() };
    try {
      this.store.setItem(this.key, JSON.stringify(saved));
    } catch {
      // Storage full or denied: the queue still works for this page's life.
    }
  }

  private load(key: string): boolean {
    const raw = this.store.getItem(key);
    if (!raw) return false;
    try {
      const saved = JSON.parse(raw) as Saved;
      // A request in flight when the page went away may or may not have been applied: the
      // idempotency key makes sending it again safe, and the ack is re-learned from the answer.
      const ops = (saved.ops ?? []).map((o) => ({ ...o, ack: undefined }));
      this.ops = [...this.ops, ...ops];
      for (const [k, v] of Object.entries(saved.renamed ?? {})) this.renamed.set(k, v);
      return ops.length > 0;
    } catch {
      return false;
    }
  }

  private adoptOrphans(userPrefix: string): void {
    const keys: string[] = [];
    for (let i = 0; i < this.store.length; i++) {
      const k = this.store.key(i);
      if (k && k.startsWith(userPrefix) && k !== this.key) keys.push(k);
    }
    let adopted = false;
    for (const k of keys) {
      const raw = this.store.getItem(k);
      let touched = 0;
      try {
        touched = (JSON.parse(raw ?? "{}") as Saved).touched ?? 0;
      } catch {
        // unreadable: adopt what can be read, which is nothing
      }
      if (this.now() - touched < orphanAfter) continue;
      adopted = this.load(k) || adopted;
      this.store.removeItem(k);
    }
    if (adopted) this.save();
  }
}

function renameAll(op: Op, renamed: Map<string, string>): Op {
  for (const id of refs(op)) {
    const to = renamed.get(id);
    if (to) op = renameIds(op, id, to);
  }
  return op;
}
