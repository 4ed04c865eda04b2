import { describe, expect, it } from "vitest";
import { applyEvent } from "./state";
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
