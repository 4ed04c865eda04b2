import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Collab, cursorEvery, typingRefresh, typingTTL } from "./collab";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup() {
  const sent: Record<string, unknown>[] = [];
  const c = new Collab("board-1", "user-alice", (m) => (sent.push(m as Record<string, unknown>), true), () => Date.now());
  return { c, sent };
}

describe("Collab", () => {
  it("sends at most one cursor per interval, and the latest position", async () => {
    const { c, sent } = setup();
    for (let i = 0; i < 10; i++) c.cursor(i, i, null);
    expect(sent).toEqual([{ type: "cursor", boardId: "board-1", x: 0, y: 0 }]);
    await vi.advanceTimersByTimeAsync(cursorEvery);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ x: 9, y: 9 });
    // A second of continuous movement sends no more than 20 messages.
    for (let i = 0; i < 1000; i++) {
      c.cursor(i, 0, "task-1");
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(sent.length - 2).toBeLessThanOrEqual(20);
  });

  it("refreshes typing while the user types, and stops once", () => {
    const { c, sent } = setup();
    c.typing("task-1");
    c.typing("task-1");
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(typingRefresh);
    c.typing("task-1");
    expect(sent).toHaveLength(2);
    c.stopTyping("task-1");
    c.stopTyping("task-1");
    expect(sent.map((m) => m.type)).toEqual(["typing", "typing", "stop_typing"]);
  });

  it("tracks others' presence, typing and cursors, not the user's own", () => {
    const { c } = setup();
    c.start();
    c.receive({ type: "presence", viewers: [{ userId: "user-alice", name: "Alice" }, { userId: "user-bob", name: "Bob" }] });
    c.receive({ type: "user_typing", userId: "user-bob", name: "Bob", taskId: "task-1" });
    c.receive({ type: "user_typing", userId: "user-alice", name: "Alice", taskId: "task-2" });
    c.receive({ type: "cursor", userId: "user-bob", name: "Bob", x: 10, y: 20 });
    expect(c.viewers.value.map((v) => v.userId)).toEqual(["user-alice", "user-bob"]);
    expect(c.typists.value.map((x) => x.userId)).toEqual(["user-bob"]);
    expect(c.cursors.value).toMatchObject([{ userId: "user-bob", x: 10, y: 20 }]);

    // Typing expires on its own; leaving takes the cursor along.
    vi.advanceTimersByTime(typingTTL + 1000);
    expect(c.typists.value).toEqual([]);
    c.receive({ type: "user_left", userId: "user-bob" });
    expect(c.cursors.value).toEqual([]);
    c.stop();
  });
});
