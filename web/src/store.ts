// The board store: one open board's confirmed state from the server, the view the user sees
// (see reconcile.ts) and the handling of the live events that move it on.

import { computed, signal, type ReadonlySignal } from "@preact/signals";
import { ApiError, NetworkError } from "./api";
import type { Op } from "./ops";
import type { PendingQueue } from "./queue";
import { pendingTargets, reconcile } from "./reconcile";
import { applyEvent, fromSnapshot, type BoardState } from "./state";
import type { BoardEvent, Member, Snapshot } from "./types";

export interface StoreDeps {
  queue: PendingQueue;
  userId: string;
  getSnapshot(boardId: string): Promise<Snapshot>;
  /** getMembers returns the board's members, or null when the server does not say. */
  getMembers(boardId: string): Promise<Member[] | null>;
}

export class BoardStore {
  readonly confirmed = signal<BoardState | null>(null);
  /** ops is the board's pending ops, kept in step with the queue. */
  readonly ops = signal<Op[]>([]);
  readonly view: ReadonlySignal<BoardState | null>;
  readonly pending: ReadonlySignal<Set<string>>;
  readonly pendingCount: ReadonlySignal<number>;
  /** loads counts the snapshots loaded: what keeps its own copy of the board's history (comments, activity) reads it again after a resync. */
  readonly loads = signal(0);
  /** gone is set when the board was deleted or the user lost access to it. */
  readonly gone = signal<string | null>(null);
  private unsubscribe: () => void;
  private loading: Promise<void> | null = null;
  /** held keeps the events that arrive while a snapshot loads, to apply on top of it. */
  private held: BoardEvent[] = [];
  /** actors maps a task, list or board id to the user whose event last changed it. */
  private readonly actors = new Map<string, string>();
  /** kinds maps the same ids to the type of that event. */
  private readonly kinds = new Map<string, BoardEvent["type"]>();
  /** listeners are told of each event applied, for what lives beside the board (comments, activity). */
  private readonly listeners = new Set<(ev: BoardEvent) => void>();

  constructor(
    readonly boardId: string,
    private readonly deps: StoreDeps,
  ) {
    const sync = () => (this.ops.value = deps.queue.forBoard(boardId));
    sync();
    this.unsubscribe = deps.queue.subscribe(sync);
    this.view = computed(() => {
      const c = this.confirmed.value;
      return c && reconcile(c, this.ops.value);
    });
    this.pending = computed(() => pendingTargets(this.ops.value));
    this.pendingCount = computed(() => this.ops.value.filter((o) => !o.ack).length);
  }

  dispose(): void {
    this.unsubscribe();
  }

  /** seq is the last event the confirmed state holds: where the live stream resumes. */
  get seq(): number {
    return this.confirmed.value?.seq ?? 0;
  }

  /**
   * load (re)loads the snapshot: at first, and on resync. Changes acknowledged before the
   * request are in it and leave the queue. Concurrent calls share one request.
   */
  load(): Promise<void> {
    this.loading ??= this.fetch().finally(() => (this.loading = null));
    return this.loading;
  }

  private async fetch(): Promise<void> {
    const epoch = this.deps.queue.epoch();
    try {
      let [snap, members] = await Promise.all([
        this.deps.getSnapshot(this.boardId).then(
          (s) => (this.keep(s), s),
          (e) => {
            // Offline at first: the last snapshot kept here, with the waiting changes on top.
            const kept = this.confirmed.value === null && e instanceof NetworkError ? this.kept() : null;
            if (!kept) throw e;
            return kept;
          },
        ),
        this.deps.getMembers(this.boardId).catch(() => null),
      ]);
      members ??= this.confirmed.value?.members ?? null;
      this.deps.queue.dropAckedBefore(this.boardId, epoch);
      const s = fromSnapshot(snap, members);
      this.confirmed.value = s;
      this.loads.value++;
      this.deps.queue.settle(this.boardId, s);
      const held = this.held.sort((a, b) => a.seq - b.seq);
      this.held = [];
      this.loading = null;
      for (const ev of held) this.receive(ev);
    } catch (e) {
      this.held = [];
      if (e instanceof ApiError && e.code === "not_found") this.gone.value = "This board no longer exists, or you are no longer a member.";
      throw e;
    }
  }

  /**
   * receive applies a live board event. One already held is ignored; one past a gap reloads the
   * snapshot (the transports promise none, so this is a safety net). It returns false when the
   * event could not be applied in order.
   */
  receive(ev: BoardEvent): boolean {
    if (ev.boardId !== this.boardId) return true;
    if (this.loading) {
      this.held.push(ev);
      return true;
    }
    const c = this.confirmed.value;
    if (!c || ev.seq <= c.seq) return true;
    if (ev.seq > c.seq + 1) {
      void this.load().catch(() => {});
      return false;
    }
    let next = applyEvent(c, ev);
    if (ev.type === "member_added" && ev.member?.userId === this.deps.userId) {
      next = { ...next, board: { ...next.board, role: ev.member.role } };
    }
    const target = ev.task?.id ?? ev.taskId ?? ev.comment?.taskId ?? ev.label?.id ?? ev.labelId ?? ev.list?.id ?? ev.listId ?? (ev.type === "board_updated" ? ev.boardId : undefined);
    if (target) {
      this.actors.set(target, ev.actorId);
      this.kinds.set(target, ev.type);
    }
    this.confirmed.value = next;
    if (ev.clientMutationId && ev.actorId === this.deps.userId) {
      this.deps.queue.confirm(ev.clientMutationId, ev.task?.id ?? ev.list?.id);
    }
    this.deps.queue.settle(this.boardId, next);
    for (const fn of this.listeners) fn(ev);
    if (ev.type === "board_deleted") this.gone.value = "This board was deleted.";
    if (ev.type === "member_removed" && ev.userId === this.deps.userId) this.gone.value = "You were removed from this board.";
    return true;
  }

  /** listen calls fn with each event applied from now on; it returns the way to stop. */
  listen(fn: (ev: BoardEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** lastKind returns the type of the last event that changed a task, list or board here. */
  lastKind(id: string): BoardEvent["type"] | undefined {
    return this.kinds.get(id);
  }

  /** lastActor returns who last changed a task, list or board while this page watched it. */
  lastActor(id: string): string | undefined {
    return this.actors.get(id);
  }

  private get keptKey(): string {
    return `taskboard.snapshot.${this.deps.userId}.${this.boardId}`;
  }

  /** keep saves a snapshot, for a reload while the server cannot be reached. */
  private keep(s: Snapshot): void {
    try {
      localStorage.setItem(this.keptKey, JSON.stringify(s));
    } catch {
      // storage full: a large board is not kept, and an offline reload cannot show it
    }
  }

  private kept(): Snapshot | null {
    try {
      const raw = localStorage.getItem(this.keptKey);
      return raw ? (JSON.parse(raw) as Snapshot) : null;
    } catch {
      return null;
    }
  }

  /** acked settles ops the confirmed state already shows (an update that changed nothing). */
  acked(): void {
    const c = this.confirmed.value;
    if (c) this.deps.queue.settle(this.boardId, c);
  }
}
