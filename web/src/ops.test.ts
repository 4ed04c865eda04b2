import { afterEach, describe, expect, it, vi } from "vitest";
import { act, notices, notify } from "./notices";
import { applyOp, settled, withFields, type Op } from "./ops";
import { reconcile } from "./reconcile";
import { board, order, task } from "./test/fixtures";

describe("archiving and restoring", () => {
  const archive: Op = { kind: "archiveTask", id: "m-1", boardId: "board-1", label: "", taskId: "task-1" };
  const restore: Op = { kind: "restoreTask", id: "m-2", boardId: "board-1", label: "", taskId: "task-1", task: task("task-1", "todo", 0, { title: "Design" }), listId: "todo", position: 0 };

  it("takes the card off at once, and Undo puts it back where it was", () => {
    const off = applyOp(board(0), archive);
    expect(order(off, "todo")).toEqual(["task-2"]);
    expect(order(reconcile(board(0), [archive, restore]), "todo")).toEqual(["task-1", "task-2"]);
  });

  it("is settled once the board shows it", () => {
    expect(settled(board(0), { ...archive, ack: { epoch: 1 } })).toBe(false);
    expect(settled(applyOp(board(0), archive), { ...archive, ack: { epoch: 1 } })).toBe(true);
    expect(settled(board(0), { ...restore, ack: { epoch: 2 } })).toBe(true);
  });

  it("restores nothing into a list that is gone", () => {
    const s = applyOp(board(0), archive);
    expect(applyOp(s, { ...restore, listId: "gone" })).toBe(s);
  });
});

describe("an edit of the v2 fields", () => {
  it("shows a new card with its people, labels and due date at once", () => {
    const op: Op = { kind: "createTask", id: "m-3", boardId: "board-1", label: "", tempId: "tmp-1", listId: "done", title: "Saved again", assigneeIds: ["user-bob"], labelIds: ["l1"], dueAt: "2026-12-05T17:00:00.000Z" };
    expect(applyOp(board(0), op).tasks.find((t) => t.id === "tmp-1")).toMatchObject({ assigneeId: "user-bob", assigneeIds: ["user-bob"], labelIds: ["l1"], dueAt: "2026-12-05T17:00:00.000Z", position: 1 });
  });

  it("keeps the v1 assignee as the first of the set", () => {
    const t = withFields(task("t", "todo", 0), { assigneeIds: ["user-bob", "user-alice", "user-bob"], labelIds: ["l1"], dueAt: "2026-12-05T17:00:00.000Z" });
    expect(t).toMatchObject({ assigneeId: "user-bob", assigneeIds: ["user-bob", "user-alice"], labelIds: ["l1"], dueAt: "2026-12-05T17:00:00.000Z" });
    expect(withFields(t, { assigneeIds: [] })).toMatchObject({ assigneeId: null, assigneeIds: [] });
    expect(withFields(t, { assigneeId: "user-carol" })).toMatchObject({ assigneeIds: ["user-carol"] });
  });
});

describe("an Undo notice", () => {
  afterEach(() => vi.useRealTimers());

  it("runs its action once and goes; untaken, it goes after 5 s", () => {
    vi.useFakeTimers();
    const run = vi.fn();
    notify("Archived", "info", { label: "Undo", run });
    const n = notices.value.at(-1)!;
    act(n);
    act(n);
    expect(run).toHaveBeenCalledTimes(1);
    expect(notices.value).not.toContain(n);
    notify("Moved", "info", { label: "Undo", run });
    vi.advanceTimersByTime(4999);
    expect(notices.value.some((x) => x.text === "Moved")).toBe(true);
    vi.advanceTimersByTime(1);
    expect(notices.value.some((x) => x.text === "Moved")).toBe(false);
  });
});
