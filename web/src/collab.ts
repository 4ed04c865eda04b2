// Collaboration over WebSocket: who is viewing the board, who is typing on which card, and
// where the others' pointers are. Outgoing cursor updates are throttled to the protocol's 20
// per second, keeping the latest position; typing is refreshed while the user types and
// expires on its own, as the server's does.

import { signal } from "@preact/signals";
import type { CollabMessage } from "./live/transport";
import type { Viewer } from "./types";

export interface Typist {
  userId: string;
  name: string;
  taskId: string;
  until: number;
}

export interface Cursor {
  userId: string;
  name: string;
  x: number;
  y: number;
  taskId: string | null;
  at: number;
}

/** typingTTL matches the server's typing expiry, with a margin, in milliseconds. */
export const typingTTL = 6000;
/** typingRefresh is how often a user still typing says so again, in milliseconds. */
export const typingRefresh = 2000;
/** cursorEvery is the least time between two cursor messages (20 per second). */
export const cursorEvery = 50;
/** cursorIdle hides a cursor that has not moved for this long, in milliseconds. */
export const cursorIdle = 10_000;

export class Collab {
  readonly viewers = signal<Viewer[]>([]);
  readonly typists = signal<Typist[]>([]);
  readonly cursors = signal<Cursor[]>([]);
  private lastCursor = 0;
  private pendingCursor: { x: number; y: number; taskId: string | null } | null = null;
  private cursorTimer: ReturnType<typeof setTimeout> | undefined;
  private typingSent = new Map<string, number>();
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly boardId: string,
    private readonly me: string,
    private readonly send: (msg: object) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.sweeper = setInterval(() => this.sweep(), 1000);
  }

  stop(): void {
    clearInterval(this.sweeper);
    clearTimeout(this.cursorTimer);
  }

  /** receive handles a collaboration message of the board. */
  receive(m: CollabMessage): void {
    const t = this.now();
    switch (m.type) {
      case "presence":
        this.viewers.value = (m.viewers ?? []).map((v) => ({ userId: v.userId, name: v.name }));
        this.forgetAbsent();
        return;
      case "user_joined":
        if (m.userId && !this.viewers.value.some((v) => v.userId === m.userId)) {
          this.viewers.value = [...this.viewers.value, { userId: m.userId, name: m.name ?? m.userId }];
        }
        return;
      case "user_left":
        this.viewers.value = this.viewers.value.filter((v) => v.userId !== m.userId);
        this.forgetAbsent();
        return;
      case "user_typing":
        if (!m.userId || m.userId === this.me || !m.taskId) return;
        this.typists.value = [
          ...this.typists.value.filter((x) => x.userId !== m.userId),
          { userId: m.userId, name: m.name ?? m.userId, taskId: m.taskId, until: t + typingTTL },
        ];
        return;
      case "user_stopped_typing":
        this.typists.value = this.typists.value.filter((x) => x.userId !== m.userId);
        return;
      case "cursor":
        if (!m.userId || m.userId === this.me || typeof m.x !== "number" || typeof m.y !== "number") return;
        this.cursors.value = [
          ...this.cursors.value.filter((c) => c.userId !== m.userId),
          { userId: m.userId, name: m.name ?? m.userId, x: m.x, y: m.y, taskId: m.taskId ?? null, at: t },
        ];
        return;
    }
  }

  /** dropped forgets everything live: the connection ended, and a fresh presence will come. */
  dropped(): void {
    this.viewers.value = [];
    this.typists.value = [];
    this.cursors.value = [];
    this.typingSent.clear();
  }

  /** typing tells the others the user is typing on taskId, at most every typingRefresh. */
  typing(taskId: string): void {
    const t = this.now();
    if (t - (this.typingSent.get(taskId) ?? -Infinity) < typingRefresh) return;
    if (this.send({ type: "typing", boardId: this.boardId, taskId })) this.typingSent.set(taskId, t);
  }

  stopTyping(taskId: string): void {
    if (!this.typingSent.delete(taskId)) return;
    this.send({ type: "stop_typing", boardId: this.boardId, taskId });
  }

  /** cursor sends the pointer's position, at most every cursorEvery; the latest one wins. */
  cursor(x: number, y: number, taskId: string | null): void {
    this.pendingCursor = { x: Math.round(x), y: Math.round(y), taskId };
    const wait = this.lastCursor + cursorEvery - this.now();
    if (wait <= 0) {
      this.flushCursor();
    } else if (this.cursorTimer === undefined) {
      this.cursorTimer = setTimeout(() => this.flushCursor(), wait);
    }
  }

  private flushCursor(): void {
    clearTimeout(this.cursorTimer);
    this.cursorTimer = undefined;
    const c = this.pendingCursor;
    if (!c) return;
    this.pendingCursor = null;
    this.lastCursor = this.now();
    const msg: Record<string, unknown> = { type: "cursor", boardId: this.boardId, x: c.x, y: c.y };
    if (c.taskId) msg.taskId = c.taskId;
    this.send(msg);
  }

  private forgetAbsent(): void {
    const here = new Set(this.viewers.value.map((v) => v.userId));
    this.typists.value = this.typists.value.filter((x) => here.has(x.userId));
    this.cursors.value = this.cursors.value.filter((c) => here.has(c.userId));
  }

  private sweep(): void {
    const t = this.now();
    if (this.typists.value.some((x) => x.until <= t)) this.typists.value = this.typists.value.filter((x) => x.until > t);
    if (this.cursors.value.some((c) => t - c.at > cursorIdle)) {
      this.cursors.value = this.cursors.value.filter((c) => t - c.at <= cursorIdle);
    }
  }
}
