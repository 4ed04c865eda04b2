import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, NetworkError } from "./api";
import type { Op } from "./ops";
import { PendingQueue } from "./queue";
import { rebase, Sender, type Requester } from "./sender";
import { MemoryStorage, task } from "./test/fixtures";

interface Call {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** fakeServer answers requests from a script of outcomes, recording each call. */
function fakeServer(outcomes: ((c: Call) => unknown)[]) {
  const calls: Call[] = [];
  const request = (async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const c = { method, path, body, headers };
    calls.push(c);
    const next = outcomes.shift();
    if (!next) throw new Error(`unexpected ${method} ${path}`);
    return next(c);
  }) as Requester;
  return { calls, request };
}

function setup(outcomes: ((c: Call) => unknown)[]) {
  const queue = new PendingQueue(new MemoryStorage(), "u", "t");
  const server = fakeServer(outcomes);
  const hooks = { acked: vi.fn(), rejected: vi.fn(), reachable: vi.fn() };
  const sender = new Sender(queue, server.request, hooks, { base: 100, cap: 1000 }, () => 0.5);
  return { queue, server, hooks, sender };
}

const move = (id: string, taskId = "task-1"): Op => ({
  kind: "moveTask", id, boardId: "board-1", label: `Moving ${taskId}`, taskId, listId: "done", position: 0,
});
const update = (id: string, fields: Record<string, string>): Op => ({
  kind: "updateTask", id, boardId: "board-1", label: "Editing", taskId: "task-1", fields, base: { title: "Old", description: null }, baseVersion: 1,
});
const ok = (t = task("task-1", "done", 0, { version: 2 })) => () => t;
const offline = () => {
  throw new NetworkError("Failed to fetch");
};

async function settle(sender: Sender) {
  for (let i = 0; i < 20 && sender.busy; i++) await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("Sender", () => {
  it("sends ops in order, each with its id as the idempotency key", async () => {
    const { queue, server, sender, hooks } = setup([ok(), ok(task("task-2", "done", 0, { version: 2 }))]);
    queue.add(move("m-1"));
    queue.add(move("m-2", "task-2"));
    sender.kick();
    await settle(sender);
    expect(server.calls.map((c) => [c.method, c.path, c.headers?.["Idempotency-Key"]])).toEqual([
      ["PATCH", "/tasks/task-1/move", "m-1"],
      ["PATCH", "/tasks/task-2/move", "m-2"],
    ]);
    expect(hooks.acked).toHaveBeenCalledTimes(2);
    expect(queue.unconfirmed("board-1")).toBe(0);
  });

  it("retries a change that got no answer with the same key, after a jittered backoff", async () => {
    const { queue, server, sender, hooks } = setup([offline, offline, ok()]);
    queue.add(move("m-1"));
    sender.kick();
    await settle(sender);
    expect(server.calls).toHaveLength(1);
    expect(hooks.reachable).toHaveBeenLastCalledWith(false);
    await vi.advanceTimersByTimeAsync(50); // attempt 0: 0.5 · 100
    expect(server.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(99); // attempt 1: 0.5 · 200
    expect(server.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await settle(sender);
    expect(server.calls.map((c) => c.headers?.["Idempotency-Key"])).toEqual(["m-1", "m-1", "m-1"]);
    expect(queue.next()).toBeUndefined();
  });

  it("kick sends at once instead of waiting out the backoff", async () => {
    const { queue, server, sender } = setup([offline, ok()]);
    queue.add(move("m-1"));
    sender.kick();
    await settle(sender);
    sender.kick();
    await settle(sender);
    expect(server.calls).toHaveLength(2);
    expect(queue.next()).toBeUndefined();
  });

  it("drops a refused change, tells why, and goes on with the next", async () => {
    const forbidden = () => {
      throw new ApiError(403, "forbidden", "viewers cannot change the board");
    };
    const { queue, server, sender, hooks } = setup([forbidden, ok(task("task-2", "done", 0, { version: 2 }))]);
    queue.add(move("m-1"));
    queue.add(move("m-2", "task-2"));
    sender.kick();
    await settle(sender);
    expect(hooks.rejected).toHaveBeenCalledTimes(1);
    expect(hooks.rejected.mock.calls[0][1].code).toBe("forbidden");
    expect(server.calls).toHaveLength(2);
    expect(queue.all().map((o) => o.id)).toEqual(["m-2"]);
  });

  it("retries a server error but not a validation error", async () => {
    const busy = () => {
      throw new ApiError(503, "unavailable", "busy");
    };
    const { queue, server, sender } = setup([busy, ok()]);
    queue.add(move("m-1"));
    sender.kick();
    await settle(sender);
    await vi.advanceTimersByTimeAsync(50);
    await settle(sender);
    expect(server.calls).toHaveLength(2);
    expect(queue.next()).toBeUndefined();
  });

  it("rebases an edit that raced another user's edit of other fields", async () => {
    const current = task("task-1", "todo", 0, { title: "Old", description: "theirs", version: 3 });
    const stale = () => {
      throw new ApiError(412, "precondition_failed", "changed", {}, current);
    };
    const { queue, server, sender, hooks } = setup([stale, ok(task("task-1", "todo", 0, { title: "Mine", version: 4 }))]);
    queue.add(update("m-1", { title: "Mine" }));
    sender.kick();
    await settle(sender);
    expect(server.calls.map((c) => c.headers?.["If-Match"])).toEqual(['"1"', '"3"']);
    expect(hooks.rejected).not.toHaveBeenCalled();
  });

  it("resolves a real conflict to the server's state", async () => {
    const current = task("task-1", "todo", 0, { title: "Theirs", version: 3 });
    const stale = () => {
      throw new ApiError(412, "precondition_failed", "changed", {}, current);
    };
    const { queue, sender, hooks } = setup([stale]);
    queue.add(update("m-1", { title: "Mine" }));
    sender.kick();
    await settle(sender);
    expect(hooks.rejected).toHaveBeenCalledTimes(1);
    expect(queue.all()).toEqual([]);
  });

  it("keeps a change whose session ended, for the same user's next sign-in", async () => {
    const expired = () => {
      throw new ApiError(401, "unauthorized", "session expired");
    };
    const { queue, sender, hooks } = setup([expired]);
    queue.add(move("m-1"));
    queue.add(move("m-2", "task-2"));
    sender.kick();
    await settle(sender);
    expect(hooks.rejected).not.toHaveBeenCalled();
    expect(queue.all().map((o) => o.id)).toEqual(["m-1", "m-2"]);
  });

  it("takes deleting what is already gone as done", async () => {
    const gone = () => {
      throw new ApiError(404, "not_found", "task not found");
    };
    const { queue, sender, hooks } = setup([gone]);
    queue.add({ kind: "deleteTask", id: "m-1", boardId: "board-1", label: "", taskId: "task-1", base: {}, baseVersion: 1 });
    sender.kick();
    await settle(sender);
    expect(hooks.acked).toHaveBeenCalledTimes(1);
    expect(hooks.rejected).not.toHaveBeenCalled();
  });
});

describe("rebase", () => {
  it("refuses to rebase a delete of a task someone edited", () => {
    const op: Op = { kind: "deleteTask", id: "m", boardId: "b", label: "", taskId: "task-1", base: { title: "Old" }, baseVersion: 1 };
    expect(rebase(op, task("task-1", "todo", 0, { title: "New", version: 2 }))).toBeUndefined();
    expect(rebase(op, task("task-1", "done", 0, { title: "Old", version: 2 }))).toMatchObject({ baseVersion: 2 });
  });

  it("rebases a label change over someone's due date, not over their labels", () => {
    const op: Op = {
      kind: "updateTask", id: "m", boardId: "b", label: "", taskId: "task-1",
      fields: { labelIds: ["l-red", "l-blue"] }, base: { labelIds: ["l-red"], dueAt: null }, baseVersion: 1,
    };
    expect(rebase(op, task("task-1", "todo", 0, { labelIds: ["l-red"], dueAt: "2026-12-05T17:00:00.000Z", version: 2 }))).toMatchObject({ baseVersion: 2 });
    expect(rebase(op, task("task-1", "todo", 0, { labelIds: [], version: 2 }))).toBeUndefined();
  });
});
