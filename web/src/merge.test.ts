import { describe, expect, it } from "vitest";
import { changes, conflicts, dirty, edit, fromChanges, ids, merge, open, resolve, toggle } from "./merge";
import { keepRefused, takeRefused } from "./refused";
import { task } from "./test/fixtures";
import type { Task } from "./types";

// Bob opens task-1; Alice changes it while his dialog is open.
const opened = task("task-1", "todo", 0, { title: "Design login page", description: "Mock-ups", version: 3 });
const byAlice = (extra: Partial<Task>, version = 4): Task => ({ ...opened, ...extra, version });

describe("the card dialog's draft", () => {
  it("sends nothing when nothing was changed", () => {
    const d = open(opened);
    expect(dirty(d)).toBe(false);
    expect(changes(d)).toEqual({});
  });

  it("sends only the fields the user changed, against the version it opened", () => {
    const d = edit(open(opened), "assigneeIds", "user-bob");
    expect(changes(d)).toEqual({ assigneeIds: ["user-bob"] });
    expect(d.version).toBe(3);
  });

  it("shows another user's change to an untouched field in place, and never sends it back", () => {
    let d = edit(open(opened), "assigneeIds", "user-bob");
    d = merge(d, byAlice({ title: "Design the login page", description: "Figma link", listId: "doing" }));
    expect(d.mine).toEqual({ title: "Design the login page", description: "Figma link", assigneeIds: "user-bob", labelIds: "", dueAt: "", listId: "doing" });
    expect(conflicts(d)).toEqual([]);
    // The save carries Bob's one change, and If-Match the version that holds Alice's.
    expect(changes(d)).toEqual({ assigneeIds: ["user-bob"] });
    expect(d.version).toBe(4);
  });

  it("never moves a card someone else moved, unless the user picked a list", () => {
    const untouched = merge(open(opened), byAlice({ listId: "doing" }));
    expect(changes(untouched)).toEqual({});
    const picked = merge(edit(open(opened), "listId", "done"), byAlice({ listId: "doing" }));
    expect(conflicts(picked)).toEqual(["listId"]);
    expect(changes(resolve(picked, "listId", "mine"))).toEqual({ listId: "done" });
    expect(changes(resolve(picked, "listId", "theirs"))).toEqual({});
  });

  it("turns a field both changed differently into a conflict the user settles", () => {
    let d = edit(open(opened), "title", "Design sign-in page");
    d = merge(d, byAlice({ title: "Design login page v2" }));
    expect(conflicts(d)).toEqual(["title"]);
    expect(d.theirs.title).toBe("Design login page v2");
    expect(d.mine.title).toBe("Design sign-in page");

    const kept = resolve(d, "title", "mine");
    expect(conflicts(kept)).toEqual([]);
    expect(changes(kept)).toEqual({ title: "Design sign-in page" });
    expect(kept.version).toBe(4);

    const taken = resolve(d, "title", "theirs");
    expect(taken.mine.title).toBe("Design login page v2");
    expect(changes(taken)).toEqual({});
    expect(dirty(taken)).toBe(false);
  });

  it("settles a field both changed to the same value", () => {
    const d = merge(edit(open(opened), "title", "Same  "), byAlice({ title: "Same" }));
    expect(conflicts(d)).toEqual([]);
    expect(changes(d)).toEqual({});
  });

  it("drops a conflict when the other side changes the field back", () => {
    let d = merge(edit(open(opened), "description", "Mine"), byAlice({ description: "Theirs" }));
    expect(conflicts(d)).toEqual(["description"]);
    d = merge(d, byAlice({ description: "Mock-ups" }, 5));
    expect(conflicts(d)).toEqual([]);
    expect(changes(d)).toEqual({ description: "Mine" });
  });

  it("keeps a later change of the other side in an unsettled conflict", () => {
    let d = merge(edit(open(opened), "title", "Mine"), byAlice({ title: "Theirs" }));
    d = merge(d, byAlice({ title: "Theirs again", description: "More" }, 5));
    expect(d.theirs.title).toBe("Theirs again");
    expect(d.mine.description).toBe("More");
    expect(changes(resolve(d, "title", "mine"))).toEqual({ title: "Mine" });
  });

  it("ignores a task that is not newer, such as a reloaded snapshot", () => {
    const d = edit(open(opened), "title", "Mine");
    expect(merge(d, opened)).toBe(d);
  });

  it("sends an emptied description and due date as null, and no assignee as an empty set", () => {
    const d = edit(edit(edit(open({ ...opened, assigneeId: "user-alice", dueAt: "2026-12-05T17:00:00.000Z" }), "description", ""), "assigneeIds", ""), "dueAt", "");
    expect(changes(d)).toEqual({ description: null, assigneeIds: [], dueAt: null });
  });

  it("takes a label someone else added while the user picked an assignee", () => {
    let d = edit(open({ ...opened, labelIds: ["l-red"] }), "assigneeIds", toggle("", "user-bob"));
    d = merge(d, byAlice({ labelIds: ["l-red", "l-blue"], dueAt: "2026-12-05T17:00:00.000Z" }));
    expect(ids(d.mine.labelIds)).toEqual(["l-red", "l-blue"]);
    expect(d.mine.dueAt).toBe("2026-12-05T17:00:00.000Z");
    expect(changes(d)).toEqual({ assigneeIds: ["user-bob"] });
  });

  it("asks which to keep when both changed the labels differently", () => {
    let d = edit(open({ ...opened, labelIds: ["l-red"] }), "labelIds", toggle("l-red", "l-green"));
    d = merge(d, byAlice({ labelIds: [] }));
    expect(conflicts(d)).toEqual(["labelIds"]);
    expect(changes(resolve(d, "labelIds", "theirs"))).toEqual({});
    expect(changes(resolve(d, "labelIds", "mine"))).toEqual({ labelIds: ["l-red", "l-green"] });
  });

  it("reads a v1 task's single assignee as a set of one", () => {
    expect(ids(open({ ...opened, assigneeId: "user-carol" }).mine.assigneeIds)).toEqual(["user-carol"]);
    expect(toggle("a,b", "a")).toBe("b");
  });
});

describe("an edit the server refused with 412", () => {
  it("comes back as a draft with the conflict to settle, not as a lost change", () => {
    const op = {
      kind: "updateTask" as const,
      id: "m-1",
      boardId: "board-1",
      label: "Editing",
      taskId: "task-1",
      fields: { title: "Bob's title", assigneeId: "user-bob" },
      base: { title: opened.title, description: opened.description, assigneeId: null },
      baseVersion: 3,
    };
    const current = byAlice({ title: "Alice's title", description: "Alice's text" });
    expect(keepRefused(op, current)).toBe(true);
    const r = takeRefused("board-1")!;
    expect(takeRefused("board-1")).toBeUndefined();
    const d = merge(fromChanges(r.base, r.version, r.changes), current);
    expect(conflicts(d)).toEqual(["title"]);
    expect(d.mine.description).toBe("Alice's text");
    expect(changes(resolve(d, "title", "mine"))).toEqual({ title: "Bob's title", assigneeIds: ["user-bob"] });
    expect(resolve(d, "title", "mine").version).toBe(4);
  });

  it("is kept only for task edits", () => {
    const move = { kind: "moveTask" as const, id: "m-2", boardId: "board-1", label: "Moving", taskId: "task-1", listId: "done", position: 0 };
    expect(keepRefused(move, opened)).toBe(false);
  });
});
