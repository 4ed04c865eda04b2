import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Connection, type ConnectionDeps, type Reachability } from "./connection";
import type { Handlers, Start, TransportName } from "./transport";

/** fakeTransports records each start and lets the test drive its handlers. */
function fakeTransports() {
  const started: { name: TransportName; since: number; h: Handlers; stopped: boolean }[] = [];
  const make =
    (name: TransportName): Start =>
    (_board, lastSeq, h) => {
      const rec = { name, since: lastSeq(), h, stopped: false };
      started.push(rec);
      return { name, send: () => name === "websocket", stop: () => (rec.stopped = true) };
    };
  const starts = { websocket: make("websocket"), sse: make("sse"), longpoll: make("longpoll"), poll: make("poll") };
  return { started, starts, last: () => started[started.length - 1] };
}

function setup(reach: Reachability = "ok", extra: Partial<ConnectionDeps> = {}) {
  const t = fakeTransports();
  let seq = 7;
  const deps = {
    starts: t.starts,
    lastSeq: () => seq,
    event: vi.fn(),
    resync: vi.fn(),
    collab: vi.fn(),
    opened: vi.fn(),
    dropped: vi.fn(),
    fatal: vi.fn(),
    probe: vi.fn(async () => reach),
    backoff: { base: 100, cap: 1000 },
    random: () => 0.5,
    ...extra,
  };
  const conn = new Connection("board-1", deps);
  return { t, deps, conn, setSeq: (n: number) => (seq = n) };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("Connection", () => {
  it("goes live on the first transport that delivers", () => {
    const { t, conn, deps } = setup();
    conn.start();
    expect(conn.state.value).toBe("connecting");
    expect(t.last()).toMatchObject({ name: "websocket", since: 7 });
    t.last().h.open();
    expect(conn.state.value).toBe("live");
    expect(conn.transport.value).toBe("websocket");
    expect(deps.opened).toHaveBeenCalledTimes(1);
  });

  it("falls back along the chain when a transport fails to open while the server answers", async () => {
    const { t, conn } = setup("ok");
    conn.start();
    for (const want of ["websocket", "websocket", "sse", "sse", "longpoll", "longpoll", "poll", "poll", "poll"]) {
      expect(t.last().name).toBe(want);
      t.last().h.close({ opened: false });
      await vi.runOnlyPendingTimersAsync();
    }
  });

  it("does not give up on a transport while the network is down", async () => {
    const { t, conn } = setup("offline");
    conn.start();
    for (let i = 0; i < 5; i++) {
      t.last().h.close({ opened: false });
      await vi.advanceTimersByTimeAsync(0);
      expect(conn.state.value).toBe("offline");
      await vi.runOnlyPendingTimersAsync();
    }
    expect(t.started.every((s) => s.name === "websocket")).toBe(true);
  });

  it("reconnects after a drop with growing, jittered delays, resuming from the last seq", async () => {
    const { t, conn, setSeq } = setup("offline");
    conn.start();
    t.last().h.open();
    setSeq(12);
    t.last().h.close({ opened: true });
    expect(conn.state.value).toBe("connecting");
    await vi.advanceTimersByTimeAsync(49);
    expect(t.started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // attempt 0: 0.5 · 100
    expect(t.started).toHaveLength(2);
    expect(t.last().since).toBe(12);
    t.last().h.close({ opened: false });
    await vi.advanceTimersByTimeAsync(99);
    expect(t.started).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // attempt 1: 0.5 · 200
    expect(t.started).toHaveLength(3);
  });

  it("reconnects at once when the browser is back online", async () => {
    const { t, conn } = setup();
    conn.start();
    t.last().h.open();
    conn.offline();
    expect(conn.state.value).toBe("offline");
    expect(t.last().stopped).toBe(true);
    conn.online();
    expect(t.started).toHaveLength(2);
    t.last().h.open();
    expect(conn.state.value).toBe("live");
  });

  it("ignores what a stopped transport still reports", () => {
    const { t, conn, deps } = setup();
    conn.start();
    const old = t.last();
    conn.offline();
    conn.online();
    old.h.event({ type: "task_deleted", boardId: "board-1", seq: 8, at: "", actorId: "x" });
    old.h.close({ opened: true });
    expect(deps.event).not.toHaveBeenCalled();
    expect(t.started).toHaveLength(2);
  });

  it("stops for good on a fatal ending", async () => {
    const { t, conn, deps } = setup();
    conn.start();
    t.last().h.close({ opened: true, fatal: "revoked" });
    await vi.runOnlyPendingTimersAsync();
    expect(deps.fatal).toHaveBeenCalledWith("revoked");
    expect(t.started).toHaveLength(1);
  });

  it("stops when the session has ended", async () => {
    const { t, conn, deps } = setup("unauthorized");
    conn.start();
    t.last().h.close({ opened: false });
    await vi.runOnlyPendingTimersAsync();
    expect(deps.fatal).toHaveBeenCalledWith("unauthorized");
    expect(t.started).toHaveLength(1);
  });

  it("keeps to the order it is given", () => {
    const { t, conn } = setup();
    conn.setOrder(["sse", "longpoll", "poll"]);
    conn.start();
    expect(t.last().name).toBe("sse");
  });
});
