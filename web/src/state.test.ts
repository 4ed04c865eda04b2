import { describe, expect, it } from "vitest";
import { applyEvent, fromSnapshot } from "./state";
import { board, event, order, task } from "./test/fixtures";

describe("applyEvent", () => {
  it("renumbers both lists of a move, as the server does", () => {
    const s = applyEvent(board(0), event(1, { type: "task_moved", task: task("task-1", "done", 0, { version: 2 }) }));
    expect(order(s, "todo")).toEqual(["task-2"]);
    expect(order(s, "done")).toEqual(["task-1", "task-4"]);
    expect(s.tasks.find((t) => t.id === "task-2")!.position).toBe(0);
    expect(s.seq).toBe(1);
  });

  it("moves within one list to the final index", () => {
    const s = applyEvent(board(0), event(1, { type: "task_moved", task: task("task-1", "todo", 1) }));
    expect(order(s, "todo")).toEqual(["task-2", "task-1"]);
  });

  it("ignores an event it already holds", () => {
    const s = board(5);
    expect(applyEvent(s, event(5, { type: "task_deleted", taskId: "task-1" }))).toBe(s);
  });

  it("deletes a list with its tasks", () => {
    const s = applyEvent(board(0), event(1, { type: "list_deleted", listId: "todo" }));
    expect(s.lists.map((l) => [l.id, l.position])).toEqual([["doing", 0], ["done", 1]]);
    expect(s.tasks.map((t) => t.id).sort()).toEqual(["task-3", "task-4"]);
  });

  it("keeps the caller's role when the board is renamed", () => {
    const s = applyEvent(board(0), event(1, { type: "board_updated", board: { id: "board-1", name: "Go", createdAt: "" } }));
    expect(s.board).toMatchObject({ name: "Go", role: "owner" });
  });
});

describe("applyEvent, v2 cards", () => {
  const red = { id: "l-red", boardId: "board-1", name: "Urgent", color: "red" as const };
  const withLabel = () => applyEvent(board(0), event(1, { type: "label_created", label: red }));

  it("adds, recolours and deletes a label, taking it off its cards", () => {
    let s = withLabel();
    expect(s.labels).toEqual([red]);
    s = applyEvent(s, event(2, { type: "task_updated", task: task("task-1", "todo", 0, { labelIds: ["l-red"], version: 2 }) }));
    s = applyEvent(s, event(3, { type: "label_updated", label: { ...red, color: "blue" } }));
    expect(s.labels.map((l) => l.color)).toEqual(["blue"]);
    s = applyEvent(s, event(4, { type: "label_deleted", labelId: "l-red", taskIds: ["task-1"] }));
    expect(s.labels).toEqual([]);
    expect(s.tasks.find((t) => t.id === "task-1")!.labelIds).toEqual([]);
    expect(s.tasks.find((t) => t.id === "task-1")!.version).toBe(3); // as the server moved it
  });

  it("takes an archived card out of its list and puts a restored one back", () => {
    let s = applyEvent(board(0), event(1, { type: "task_archived", task: task("task-1", "todo", 0, { archivedAt: "2026-12-04T12:00:00.000Z" }), fromListId: "todo", fromPosition: 0 }));
    expect(order(s, "todo")).toEqual(["task-2"]);
    expect(s.tasks.find((t) => t.id === "task-2")!.position).toBe(0);
    s = applyEvent(s, event(2, { type: "task_restored", task: task("task-1", "todo", 0, { archivedAt: null, version: 3 }) }));
    expect(order(s, "todo")).toEqual(["task-1", "task-2"]);
  });

  it("counts comments from the task the event carries, or by itself without one", () => {
    const comment = { id: "c1", boardId: "board-1", taskId: "task-2", authorId: "user-bob", body: "hi", createdAt: "", updatedAt: "" };
    let s = applyEvent(board(0), event(1, { type: "comment_added", comment, task: task("task-2", "todo", 1, { commentCount: 1, version: 2 }) }));
    expect(s.tasks.find((t) => t.id === "task-2")).toMatchObject({ commentCount: 1, version: 2 });
    s = applyEvent(s, event(2, { type: "comment_added", comment: { ...comment, id: "c2" } }));
    expect(s.tasks.find((t) => t.id === "task-2")!.commentCount).toBe(2);
    s = applyEvent(s, event(3, { type: "comment_deleted", commentId: "c1", taskId: "task-2" }));
    expect(s.tasks.find((t) => t.id === "task-2")!.commentCount).toBe(1);
    s = applyEvent(s, event(4, { type: "comment_updated", comment: { ...comment, body: "hello" } }));
    expect(s.seq).toBe(4);
  });

  it("leaves archived tasks out of a snapshot and keeps its labels", () => {
    const s = fromSnapshot({
      board: { id: "board-1", name: "Launch", createdAt: "" },
      lists: [],
      tasks: [task("a", "todo", 0), task("b", "todo", 1, { archivedAt: "2026-12-04T12:00:00.000Z" })],
      labels: [red],
      seq: 3,
    });
    expect(s.tasks.map((t) => t.id)).toEqual(["a"]);
    expect(s.labels).toEqual([red]);
  });
});
