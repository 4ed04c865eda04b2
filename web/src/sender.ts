// The sender replays the pending queue to the server, one change at a time and in order, each
// with its idempotency key, so that a change sent twice (an answer lost to a dropped
// connection) is applied once. It retries on network failures and busy servers with backoff,
// rebases an edit that raced another user's edit when their fields do not overlap, and drops a
// change the server refuses, with a notice.

import { ApiError, NetworkError } from "./api";
import { backoffDelay, type BackoffOptions } from "./backoff";
import type { Ack, Op, TaskFields } from "./ops";
import type { PendingQueue } from "./queue";
import type { List, Task } from "./types";

export type Requester = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

export interface SenderHooks {
  /** acked is told of each acknowledged op. */
  acked(op: Op): void;
  /** rejected is told of a refused op and the ops removed with it. */
  rejected(op: Op, err: ApiError, removed: Op[]): void;
  /** reachable is told whether the last request got an answer. */
  reachable(ok: boolean): void;
}

export const sendBackoff: BackoffOptions = { base: 300, cap: 5000 };

/** Sender drains a PendingQueue. kick starts it; it stops when the queue is empty. */
export class Sender {
  private running = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly queue: PendingQueue,
    private readonly request: Requester,
    private readonly hooks: SenderHooks,
    private readonly backoff: BackoffOptions = sendBackoff,
    private readonly random: () => number = Math.random,
  ) {}

  /** kick sends what is pending now, cancelling a scheduled retry. */
  kick(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.running) void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** idle resolves once nothing is being sent (for tests). */
  get busy(): boolean {
    return this.running;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let op = this.queue.next(); op && !this.stopped; op = this.queue.next()) {
        const done = await this.sendOne(op);
        if (!done) return;
      }
    } finally {
      this.running = false;
    }
  }

  /** sendOne sends op and reports whether to go on with the next one. */
  private async sendOne(op: Op): Promise<boolean> {
    try {
      this.queue.markSent(op.id);
      const ack = await this.send(op);
      this.attempt = 0;
      this.hooks.reachable(true);
      this.queue.ack(op.id, ack);
      this.hooks.acked(op);
      return true;
    } catch (e) {
      if (e instanceof NetworkError || (e instanceof ApiError && e.retryable)) {
        this.hooks.reachable(!(e instanceof NetworkError));
        this.retryLater();
        return false;
      }
      if (!(e instanceof ApiError)) throw e;
      this.hooks.reachable(true);
      // The session ended: the change stays queued, for this user's next sign-in.
      if (e.status === 401) return false;
      const rebased = e.code === "precondition_failed" ? rebase(op, e.current) : undefined;
      if (rebased) {
        this.queue.replace(rebased);
        return true;
      }
      const removed = this.queue.reject(op.id);
      this.hooks.rejected(op, e, removed);
      return true;
    }
  }

  private retryLater(): void {
    const delay = backoffDelay(this.attempt++, this.backoff, this.random);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
  }

  private async send(op: Op): Promise<Omit<Ack, "epoch">> {
    const key = { "Idempotency-Key": op.id };
    const ifMatch = (v: number): Record<string, string> => (v > 0 ? { "If-Match": `"${v}"` } : {});
    const task = (t: Task) => ({ task: t, version: t.version });
    switch (op.kind) {
      case "createTask":
        return task(
          await this.request<Task>(
            "POST",
            "/tasks",
            {
              listId: op.listId,
              title: op.title,
              position: op.position,
              description: op.description,
              // The v2 set, when given, stands for the v1 field: the server takes one or the other.
              ...(op.assigneeIds ? { assigneeIds: op.assigneeIds } : { assigneeId: op.assigneeId }),
              labelIds: op.labelIds,
              dueAt: op.dueAt,
            },
            key,
          ),
        );
      case "updateTask":
        return task(
          await this.request<Task>("PATCH", `/tasks/${enc(op.taskId)}`, op.fields, { ...key, ...ifMatch(op.baseVersion) }),
        );
      case "moveTask":
        return task(
          await this.request<Task>("PATCH", `/tasks/${enc(op.taskId)}/move`, { listId: op.listId, position: op.position }, key),
        );
      case "deleteTask":
        await gone(this.request("DELETE", `/tasks/${enc(op.taskId)}`, undefined, { ...key, ...ifMatch(op.baseVersion) }));
        return {};
      // Archiving and restoring carry no If-Match: someone's edit meanwhile does not make
      // putting the card away (or back) wrong, and the card keeps that edit.
      case "archiveTask":
        return task(await this.request<Task>("POST", `/tasks/${enc(op.taskId)}/archive`, undefined, key));
      case "restoreTask":
        return task(
          await this.request<Task>("POST", `/tasks/${enc(op.taskId)}/restore`, { listId: op.listId, position: op.position }, key),
        );
      case "createList":
        return { list: await this.request<List>("POST", `/boards/${enc(op.boardId)}/lists`, { name: op.name }, key) };
      case "updateList":
        return {
          list: await this.request<List>("PATCH", `/lists/${enc(op.listId)}`, { name: op.name, position: op.position }, key),
        };
      case "deleteList":
        await gone(this.request("DELETE", `/lists/${enc(op.listId)}`, undefined, key));
        return {};
    }
  }
}

const enc = encodeURIComponent;

/** gone treats deleting what is already gone as done: the user's intent holds. */
async function gone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ApiError && e.code === "not_found")) throw e;
  }
}

const fieldNames: (keyof TaskFields)[] = ["title", "description", "assigneeId", "assigneeIds", "labelIds", "dueAt"];

/**
 * rebase returns op to be sent again on top of current, the task as another user left it, when
 * that user changed none of the fields op changes (for a delete: none at all); otherwise
 * undefined: a real conflict, which resolves to the server's state.
 */
export function rebase(op: Op, current: Task | undefined): Op | undefined {
  if (!current || current.version <= 0) return undefined;
  if (op.kind === "updateTask") {
    const touched = fieldNames.filter((f) => op.fields[f] !== undefined);
    if (!touched.every((f) => same(op.base[f], current[f]))) return undefined;
    return { ...op, baseVersion: current.version, base: pick(current) };
  }
  if (op.kind === "deleteTask") {
    if (!fieldNames.every((f) => op.base[f] === undefined || same(op.base[f], current[f]))) return undefined;
    return { ...op, baseVersion: current.version, base: pick(current) };
  }
  return undefined;
}

type FieldValue = TaskFields[keyof TaskFields];

function same(a: FieldValue, b: FieldValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return (Array.isArray(a) ? a : []).join(",") === (Array.isArray(b) ? b : []).join(",");
  return (a ?? null) === (b ?? null);
}

function pick(t: Task): TaskFields {
  return {
    title: t.title,
    description: t.description,
    assigneeId: t.assigneeId,
    assigneeIds: t.assigneeIds ?? (t.assigneeId ? [t.assigneeId] : []),
    labelIds: t.labelIds ?? [],
    dueAt: t.dueAt ?? null,
  };
}
