import { describe, expect, it } from "vitest";
import { describe as tell, type Names } from "./activity";
import { dueState, fromLocalInput, localInput, nextDueChange, progress } from "./cards";
import { apply, matches, noFilter, type Filter } from "./filter";
import { event, task } from "./test/fixtures";

const now = new Date(2026, 11, 4, 12, 0); // Dec 4, noon, local time
const at = (d: number, h: number) => new Date(2026, 11, d, h, 0).toISOString();
const items = (...done: boolean[]) => done.map((d, i) => ({ id: `i${i}`, text: `item ${i}`, done: d, position: i }));

describe("the due badge", () => {
  it("has none without a due date", () => {
    expect(dueState(task("t", "todo", 0), now)).toBeNull();
  });
  it("is overdue once past, even earlier the same day", () => {
    expect(dueState(task("t", "todo", 0, { dueAt: at(3, 9) }), now)).toBe("overdue");
    expect(dueState(task("t", "todo", 0, { dueAt: at(4, 9) }), now)).toBe("overdue");
  });
  it("is today later the same day, and later after that", () => {
    expect(dueState(task("t", "todo", 0, { dueAt: at(4, 18) }), now)).toBe("today");
    expect(dueState(task("t", "todo", 0, { dueAt: at(5, 9) }), now)).toBe("later");
  });
  it("is done once the checklist is complete, overdue or not", () => {
    expect(dueState(task("t", "todo", 0, { dueAt: at(1, 9), checklist: items(true, true) }), now)).toBe("done");
    expect(dueState(task("t", "todo", 0, { dueAt: at(1, 9), checklist: items(true, false) }), now)).toBe("overdue");
  });
  it("counts the checklist", () => {
    expect(progress(task("t", "todo", 0, { checklist: items(true, false, true, false, false) }))).toEqual({ done: 2, total: 5 });
    expect(progress(task("t", "todo", 0))).toEqual({ done: 0, total: 0 });
  });
  it("round-trips a due date through the date input on the local clock", () => {
    const v = localInput(at(5, 17));
    expect(v).toBe("2026-12-05T17:00");
    expect(fromLocalInput(v)).toBe(at(5, 17));
    expect(fromLocalInput("")).toBe("");
  });
});

describe("when badges are judged again", () => {
  it("at the next due time, due day or midnight, whichever comes first", () => {
    const midnight = new Date(2026, 11, 5).getTime() - now.getTime();
    expect(nextDueChange([], now)).toBe(midnight);
    expect(nextDueChange([task("a", "todo", 0, { dueAt: at(4, 15) })], now)).toBe(3 * 3600 * 1000);
    expect(nextDueChange([task("a", "todo", 0, { dueAt: at(3, 15) }), task("b", "todo", 1, { dueAt: at(9, 15) })], now)).toBe(midnight);
  });
});

describe("the board filter", () => {
  const design = task("t1", "todo", 0, { title: "Design login page", labelIds: ["red"], assigneeIds: ["user-bob"], dueAt: at(3, 9) });
  const docs = task("t2", "todo", 1, { title: "Write API docs", description: "Endpoints first", labelIds: ["blue"], dueAt: at(6, 9) });
  const ci = task("t3", "doing", 0, { title: "Set up CI", checklist: [{ id: "c", text: "Cache the login step", done: false, position: 0 }], assigneeIds: ["user-alice", "user-bob"] });
  const all = [design, docs, ci];
  const f = (x: Partial<Filter>) => ({ ...noFilter, ...x });
  const ids = (x: Partial<Filter>) => apply(all, f(x), now).map((t) => t.id);

  it("keeps everything, the same array, when empty", () => {
    expect(apply(all, noFilter, now)).toBe(all);
  });
  it("matches every word, in title, description or checklist, in any case", () => {
    expect(ids({ text: "LOGIN" })).toEqual(["t1", "t3"]);
    expect(ids({ text: "endpoints docs" })).toEqual(["t2"]);
    expect(ids({ text: "login docs" })).toEqual([]);
  });
  it("keeps cards with any of the labels picked", () => {
    expect(ids({ labels: ["red"] })).toEqual(["t1"]);
    expect(ids({ labels: ["red", "blue"] })).toEqual(["t1", "t2"]);
  });
  it("keeps cards of any of the people picked, or nobody's", () => {
    expect(ids({ members: ["user-alice"] })).toEqual(["t3"]);
    expect(ids({ members: ["none"] })).toEqual(["t2"]);
    expect(ids({ members: ["user-bob"] })).toEqual(["t1", "t3"]);
  });
  it("filters by due date", () => {
    expect(ids({ due: "overdue" })).toEqual(["t1"]);
    expect(ids({ due: "week" })).toEqual(["t2"]);
    expect(ids({ due: "none" })).toEqual(["t3"]);
    expect(ids({ due: "today" })).toEqual([]);
  });
  it("combines criteria with AND", () => {
    expect(ids({ members: ["user-bob"], labels: ["red"] })).toEqual(["t1"]);
    expect(ids({ text: "ci", labels: ["red"] })).toEqual([]);
    expect(matches(design, f({ text: "design", due: "overdue", members: ["user-bob"] }), now)).toBe(true);
  });
});

describe("the activity feed", () => {
  const names: Names = {
    user: (id) => ({ "user-alice": "Alice", "user-bob": "Bob" })[id] ?? "Someone",
    list: (id) => ({ todo: "To Do", done: "Done" })[id],
    task: (id) => (id === "task-9" ? "Old card" : undefined),
  };
  it("tells who moved what where", () => {
    const ev = event(3, { type: "task_moved", fromListId: "todo", task: task("task-1", "done", 0, { title: "Set up CI" }) });
    expect(tell(ev, names)).toBe("Bob moved “Set up CI” from To Do to Done");
  });
  it("names a card the event gives only by id", () => {
    expect(tell(event(4, { type: "comment_deleted", commentId: "c1", taskId: "task-9" }), names)).toBe("Bob deleted a comment on “Old card”");
    expect(tell(event(5, { type: "task_deleted", taskId: "task-0" }), names)).toBe("Bob deleted a card");
  });
  it("tells archiving, restoring and labels", () => {
    expect(tell(event(6, { type: "task_archived", actorId: "user-alice", task: task("t", "todo", 0, { title: "Logo" }) }), names)).toBe("Alice archived “Logo”");
    expect(tell(event(7, { type: "label_created", label: { id: "l", boardId: "b", name: "", color: "red" } }), names)).toBe("Bob created a red label");
  });
});
