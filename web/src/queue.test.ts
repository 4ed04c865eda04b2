import { describe, expect, it } from "vitest";
import type { Op } from "./ops";
import { orphanAfter, PendingQueue } from "./queue";
import { board, MemoryStorage, task } from "./test/fixtures";

const create = (id: string, tempId: string, listId = "todo"): Op => ({
  kind: "createTask", id, boardId: "board-1", label: id, tempId, listId, title: id,
});
const move = (id: string, taskId: string, listId: string, position = 0): Op => ({
  kind: "moveTask", id, boardId: "board-1", label: id, taskId, listId, position,
});

describe("PendingQueue", () => {
  it("survives a reload of the tab, and sends again what was in flight", () => {
    const store = new MemoryStorage();
    const q = new PendingQueue(store, "user-bob", "tab-1");
    q.add(create("m-1", "tmp-a"));
    q.add(move("m-2", "task-1", "done"));
    q.ack("m-1", { task: task("task-9", "todo", 2) });

    const again = new PendingQueue(store, "user-bob", "tab-1");
    expect(again.all().map((o) => o.id)).toEqual(["m-1", "m-2"]);
    // The ack is not trusted across a reload: the idempotency key makes a resend safe.
    expect(again.next()?.id).toBe("m-1");
    expect(again.resolve("tmp-a")).toBe("task-9");
  });

  it("keeps each tab's queue apart, and adopts one a closed tab left behind", () => {
    const store = new MemoryStorage();
    let now = 1_000_000;
    const clock = () => now;
    const closed = new PendingQueue(store, "user-bob", "tab-1", clock);
    closed.add(create("m-1", "tmp-a"));

    const live = new PendingQueue(store, "user-bob", "tab-2", clock);
    expect(live.all()).toEqual([]);

    now += orphanAfter + 1;
    const later = new PendingQueue(store, "user-bob", "tab-3", clock);
    expect(later.all().map((o) => o.id)).toEqual(["m-1"]);
    expect(store.getItem("taskboard.pending.user-bob.tab-1")).toBeNull();
    // Another user's queue is never adopted.
    expect(new PendingQueue(store, "user-alice", "tab-4", clock).all()).toEqual([]);
  });

  it("never hands one user's changes to another account, even once orphaned", () => {
    const store = new MemoryStorage();
    let now = 1_000_000;
    const alice = new PendingQueue(store, "user-alice", "tab-1", () => now);
    alice.add(create("m-1", "tmp-a"));
    now += orphanAfter + 1;
    // Bob signs in, in the same tab and in another one: neither sees Alice's change.
    expect(new PendingQueue(store, "user-bob", "tab-1", () => now).all()).toEqual([]);
    expect(new PendingQueue(store, "user-bob", "tab-2", () => now).all()).toEqual([]);
    // Alice, back in that tab, has it again.
    expect(new PendingQueue(store, "user-alice", "tab-1", () => now).all().map((o) => o.id)).toEqual(["m-1"]);
  });

  it("confirms an op by its echo and learns the created task's id", () => {
    const q = new PendingQueue(new MemoryStorage(), "u", "t");
    q.add(create("m-1", "tmp-a"));
    q.add(move("m-2", "tmp-a", "done"));
    expect(q.confirm("m-1", "task-9")).toBe(true);
    expect(q.all()).toHaveLength(1);
    expect(q.next()).toMatchObject({ id: "m-2", taskId: "task-9" });
    expect(q.confirm("m-unknown")).toBe(false);
  });

  it("gives later ops the server's id once a creation is acknowledged", () => {
    const q = new PendingQueue(new MemoryStorage(), "u", "t");
    q.add(create("m-1", "tmp-a"));
    q.ack("m-1", { task: task("task-9", "todo", 2) });
    q.add(move("m-2", "tmp-a", "done"));
    expect(q.next()).toMatchObject({ id: "m-2", taskId: "task-9" });
  });

  it("drops the ops that depended on a refused creation", () => {
    const q = new PendingQueue(new MemoryStorage(), "u", "t");
    q.add(create("m-1", "tmp-a"));
    q.add(move("m-2", "tmp-a", "done"));
    q.add(move("m-3", "task-1", "done"));
    expect(q.reject("m-1").map((o) => o.id)).toEqual(["m-1", "m-2"]);
    expect(q.all().map((o) => o.id)).toEqual(["m-3"]);
  });

  it("settles an acknowledged op once the confirmed state shows it, with or without an echo", () => {
    const q = new PendingQueue(new MemoryStorage(), "u", "t");
    q.add({ kind: "updateTask", id: "m-1", boardId: "board-1", label: "", taskId: "task-1", fields: { title: "task-1" }, base: {}, baseVersion: 1 });
    q.ack("m-1", { task: task("task-1", "todo", 0), version: 1 });
    expect(q.unconfirmed("board-1")).toBe(0);
    q.settle("board-1", board());
    expect(q.all()).toEqual([]);
  });

  it("drops acknowledged ops a later snapshot holds", () => {
    const q = new PendingQueue(new MemoryStorage(), "u", "t");
    q.add(move("m-1", "task-1", "done"));
    q.add(move("m-2", "task-2", "done"));
    q.ack("m-1", { task: task("task-1", "done", 1, { version: 2 }), version: 2 });
    const epoch = q.epoch();
    q.ack("m-2", { task: task("task-2", "done", 2, { version: 2 }), version: 2 });
    q.dropAckedBefore("board-1", epoch);
    expect(q.all().map((o) => o.id)).toEqual(["m-2"]);
  });
});
