import { describe, expect, it, vi } from "vitest";
import type { Op } from "./ops";
import { PendingQueue } from "./queue";
import { BoardStore } from "./store";
import { board, event, MemoryStorage, order, task } from "./test/fixtures";
import type { Snapshot } from "./types";

function setup(seq = 0) {
  const queue = new PendingQueue(new MemoryStorage(), "user-alice", "tab");
  const s = board(seq);
  const getSnapshot = vi.fn(async (): Promise<Snapshot> => ({ board: s.board, lists: s.lists, tasks: s.tasks, seq: s.seq }));
  const store = new BoardStore("board-1", { queue, userId: "user-alice", getSnapshot, getMembers: async () => null });
  return { queue, store, getSnapshot };
}

const move = (id: string, taskId: string, listId: string, position: number): Op => ({
  kind: "moveTask", id, boardId: "board-1", label: `Moving ${taskId}`, taskId, listId, position,
});

describe("BoardStore reconciliation", () => {
  it("shows a pending change at once, on top of other users' changes, until its echo", async () => {
    const { queue, store } = setup();
    await store.load();
    queue.add(move("m-1", "task-1", "done", 0));
    expect(order(store.view.value!, "done")).toEqual(["task-1", "task-4"]);
    expect(store.pendingCount.value).toBe(1);
    expect(store.pending.value.has("task-1")).toBe(true);

    // Bob moves task-2 to Done meanwhile: both changes show.
    store.receive(event(1, { type: "task_moved", task: task("task-2", "done", 1, { version: 2 }) }));
    expect(order(store.view.value!, "done")).toEqual(["task-1", "task-4", "task-2"]);

    // The echo of Alice's move confirms it: nothing is pending and the view is the server's.
    store.receive(event(2, { type: "task_moved", actorId: "user-alice", clientMutationId: "m-1", task: task("task-1", "done", 0, { version: 2 }) }));
    expect(queue.all()).toEqual([]);
    expect(store.view.value).toBe(store.confirmed.value);
    expect(order(store.view.value!, "done")).toEqual(["task-1", "task-4", "task-2"]);
  });

  it("rolls a refused change back by dropping it", async () => {
    const { queue, store } = setup();
    await store.load();
    queue.add(move("m-1", "task-1", "done", 0));
    expect(order(store.view.value!, "todo")).toEqual(["task-2"]);
    queue.reject("m-1");
    expect(order(store.view.value!, "todo")).toEqual(["task-1", "task-2"]);
  });

  it("does not take another user's event with the same mutation id as an echo", async () => {
    const { queue, store } = setup();
    await store.load();
    queue.add(move("m-1", "task-1", "done", 0));
    store.receive(event(1, { type: "task_moved", actorId: "user-bob", clientMutationId: "m-1", task: task("task-2", "done", 0) }));
    expect(queue.all()).toHaveLength(1);
  });

  it("ignores replayed events and reloads the snapshot past a gap", async () => {
    const { store, getSnapshot } = setup(3);
    await store.load();
    expect(store.receive(event(3, { type: "task_deleted", taskId: "task-1" }))).toBe(true);
    expect(store.view.value!.tasks).toHaveLength(4);
    expect(store.receive(event(9, { type: "task_deleted", taskId: "task-1" }))).toBe(false);
    expect(getSnapshot).toHaveBeenCalledTimes(2);
  });

  it("applies the events that arrive while a snapshot loads on top of it", async () => {
    const { store, getSnapshot } = setup(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const snap = await getSnapshot();
    getSnapshot.mockImplementationOnce(async () => (await gate, snap));
    const loaded = store.load();
    store.receive(event(4, { type: "task_deleted", taskId: "task-2" }));
    store.receive(event(2, { type: "task_deleted", taskId: "task-1" })); // held by the snapshot
    store.receive(event(3, { type: "task_deleted", taskId: "task-3" }));
    release();
    await loaded;
    expect(store.seq).toBe(4);
    expect(store.view.value!.tasks.map((t) => t.id).sort()).toEqual(["task-1", "task-4"]);
  });

  it("learns the server's id of a created task from its echo", async () => {
    const { queue, store } = setup();
    await store.load();
    queue.add({ kind: "createTask", id: "m-1", boardId: "board-1", label: "", tempId: "tmp-x", listId: "todo", title: "New" });
    expect(store.view.value!.tasks.find((t) => t.id === "tmp-x")?.title).toBe("New");
    store.receive(event(1, { type: "task_created", actorId: "user-alice", clientMutationId: "m-1", task: task("task-9", "todo", 2, { title: "New" }) }));
    expect(queue.resolve("tmp-x")).toBe("task-9");
    expect(store.view.value!.tasks.filter((t) => t.title === "New").map((t) => t.id)).toEqual(["task-9"]);
  });

  it("marks the board gone when it is deleted or the user is removed", async () => {
    const { store } = setup();
    await store.load();
    store.receive(event(1, { type: "member_removed", userId: "user-alice" }));
    expect(store.gone.value).toMatch(/removed/);
  });
});
