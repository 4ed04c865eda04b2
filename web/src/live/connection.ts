// The live connection of a board page: one transport at a time, chosen along the chain
// WebSocket → SSE → long poll → short poll. A transport that fails before it delivers anything
// while the server is reachable earns a strike; two strikes and the next one is tried. Every
// reconnection waits an exponential backoff with full jitter and resumes from the last seq the
// board holds; going back online reconnects at once.

import { signal } from "@preact/signals";
import { backoffDelay, reconnectBackoff, type BackoffOptions } from "../backoff";
import type { BoardEvent } from "../types";
import { chain, type CollabMessage, type Fatal, type Start, type Transport, type TransportName } from "./transport";

export type LiveState = "connecting" | "live" | "offline";

/** Reachability is what a probe of the server found. */
export type Reachability = "ok" | "offline" | "unauthorized";

export interface ConnectionDeps {
  starts: Record<TransportName, Start>;
  /** order overrides the chain (a forced transport, or the chain without WebSocket). */
  order?: readonly TransportName[];
  lastSeq(): number;
  event(ev: BoardEvent): void;
  resync(seq: number): void;
  collab(msg: CollabMessage): void;
  /** opened is told each time a transport delivers: the time to send what is pending. */
  opened(): void;
  /** dropped is told each time a transport ends: presence and cursors are stale. */
  dropped(): void;
  fatal(f: Fatal): void;
  probe(): Promise<Reachability>;
  backoff?: BackoffOptions;
  random?: () => number;
  /** strikes is how many failures to open move to the next transport. */
  strikes?: number;
}

export class Connection {
  readonly state = signal<LiveState>("connecting");
  readonly transport = signal<TransportName | null>(null);
  private order: readonly TransportName[];
  private index = 0;
  private strikes = 0;
  private attempt = 0;
  private current: Transport | null = null;
  private cancel: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly boardId: string,
    private readonly deps: ConnectionDeps,
  ) {
    this.order = deps.order && deps.order.length > 0 ? deps.order : chain;
  }

  /** setOrder replaces the transports to try, before start. */
  setOrder(order: readonly TransportName[]): void {
    if (order.length > 0) this.order = order;
    this.index = 0;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.drop();
  }

  /** send sends a collaboration message over the transport, if it can carry one. */
  send(msg: object): boolean {
    return this.current?.send(msg) ?? false;
  }

  /** online reconnects at once (the browser is back online, or the user asked). */
  online(): void {
    if (this.stopped || this.state.value === "live") return;
    this.attempt = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.drop();
    this.connect();
  }

  /** offline drops the transport until online is called: the browser has no network. */
  offline(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.drop();
    this.state.value = "offline";
    this.deps.dropped();
  }

  private connect(): void {
    if (this.stopped) return;
    const name = this.order[this.index];
    this.transport.value = name;
    if (this.state.value !== "offline") this.state.value = "connecting";
    let done = false;
    const t = this.deps.starts[name](this.boardId, () => this.deps.lastSeq(), {
      open: () => {
        if (done) return;
        this.attempt = 0;
        this.strikes = 0;
        this.state.value = "live";
        this.deps.opened();
      },
      event: (ev) => !done && this.deps.event(ev),
      resync: (seq) => !done && this.deps.resync(seq),
      collab: (msg) => !done && this.deps.collab(msg),
      close: (info) => {
        if (done) return;
        done = true;
        this.current = null;
        this.cancel = null;
        this.deps.dropped();
        if (info.fatal) {
          this.stop();
          this.deps.fatal(info.fatal);
          return;
        }
        void this.closed(info.opened);
      },
    });
    this.current = t;
    this.cancel = () => {
      done = true;
      t.stop();
    };
  }

  private drop(): void {
    this.cancel?.();
    this.cancel = null;
    this.current = null;
  }

  private async closed(opened: boolean): Promise<void> {
    if (this.stopped) return;
    this.state.value = "connecting";
    if (!opened) {
      const r = await this.deps.probe();
      if (this.stopped) return;
      if (r === "unauthorized") {
        this.stop();
        this.deps.fatal("unauthorized");
        return;
      }
      if (r === "offline") {
        this.state.value = "offline";
      } else if (++this.strikes >= (this.deps.strikes ?? 2) && this.index < this.order.length - 1) {
        this.index++;
        this.strikes = 0;
        this.attempt = 0;
      }
    }
    const delay = backoffDelay(this.attempt++, this.deps.backoff ?? reconnectBackoff, this.deps.random);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, delay);
  }
}
