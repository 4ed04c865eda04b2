import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startSSE } from "./sse";
import type { Handlers } from "./transport";
import { startWebSocket } from "./ws";

/** FakeWebSocket stands in for the browser's WebSocket: the test plays the server. */
class FakeWebSocket {
  static OPEN = 1;
  static last: FakeWebSocket;
  readyState = 0;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  // server side
  accept() {
    this.readyState = 1;
    this.onopen?.();
  }
  push(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code: number) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

/** FakeEventSource stands in for EventSource. */
class FakeEventSource {
  static last: FakeEventSource;
  listeners = new Map<string, (e: { data: string }) => void>();
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, f: (e: { data: string }) => void) {
    this.listeners.set(type, f);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: object) {
    const e = { data: JSON.stringify(data) };
    if (type === "message") this.onmessage?.(e);
    else this.listeners.get(type)?.(e);
  }
}

function handlers() {
  return { open: vi.fn(), event: vi.fn(), resync: vi.fn(), collab: vi.fn(), close: vi.fn() } satisfies Handlers;
}

beforeEach(() => {
  vi.stubGlobal("WebSocket", FakeWebSocket);
  vi.stubGlobal("EventSource", FakeEventSource);
  vi.stubGlobal("location", { protocol: "http:", host: "board.test:3000" });
});
afterEach(() => vi.unstubAllGlobals());

describe("WebSocket transport", () => {
  it("joins from the last seq and is live once presence answers", () => {
    const h = handlers();
    const t = startWebSocket("board-1", () => 41, h);
    const ws = FakeWebSocket.last;
    expect(ws.url).toBe("ws://board.test:3000/ws");
    ws.accept();
    expect(ws.sent).toEqual([{ type: "join", boardId: "board-1", lastSeq: 41 }]);
    expect(h.open).not.toHaveBeenCalled();
    ws.push({ type: "presence", boardId: "board-1", viewers: [{ userId: "user-bob", name: "Bob" }] });
    expect(h.open).toHaveBeenCalledTimes(1);
    expect(h.collab).toHaveBeenCalledWith(expect.objectContaining({ type: "presence" }));

    ws.push({ type: "task_deleted", boardId: "board-1", seq: 42, taskId: "task-1" });
    ws.push({ type: "cursor", boardId: "board-1", userId: "user-bob", x: 1, y: 2 });
    ws.push({ type: "task_deleted", boardId: "board-2", seq: 9, taskId: "task-5" });
    ws.push({ type: "resync", boardId: "board-1", seq: 99 });
    expect(h.event).toHaveBeenCalledTimes(1);
    expect(h.event.mock.calls[0][0]).toMatchObject({ seq: 42 });
    expect(h.collab).toHaveBeenCalledWith(expect.objectContaining({ type: "cursor" }));
    expect(h.resync).toHaveBeenCalledWith(99);

    expect(t.send({ type: "typing", boardId: "board-1", taskId: "task-1" })).toBe(true);
    t.stop();
    expect(t.send({ type: "typing" })).toBe(false);
  });

  it("reports close codes that no reconnection mends", () => {
    for (const [code, fatal] of [[4001, "unauthorized"], [4003, "revoked"], [1013, undefined], [1006, undefined]] as const) {
      const h = handlers();
      startWebSocket("board-1", () => 0, h);
      FakeWebSocket.last.accept();
      FakeWebSocket.last.drop(code);
      expect(h.close).toHaveBeenCalledWith({ opened: false, fatal });
    }
  });

  it("takes a refused join as the end of access", () => {
    const h = handlers();
    startWebSocket("board-1", () => 0, h);
    const ws = FakeWebSocket.last;
    ws.accept();
    ws.push({ type: "error", code: "not_found", message: "board not found" });
    ws.drop(1000);
    expect(h.close).toHaveBeenCalledWith({ opened: false, fatal: "not_found" });
  });
});

describe("SSE transport", () => {
  it("resumes after the last seq, is live on connected, and closes itself on error", () => {
    const h = handlers();
    startSSE("board 1", () => 7, h);
    const es = FakeEventSource.last;
    expect(es.url).toBe("/boards/board%201/events?lastEventId=7");
    es.emit("message", { type: "connected", boardId: "board 1", seq: 9 });
    expect(h.open).toHaveBeenCalledTimes(1);
    es.emit("task_moved", { type: "task_moved", seq: 8 });
    es.emit("resync", { type: "resync", seq: 20 });
    expect(h.event).toHaveBeenCalledWith(expect.objectContaining({ seq: 8 }));
    expect(h.resync).toHaveBeenCalledWith(20);
    es.onerror?.();
    // The browser's own reconnection is not used: the connection decides when to come back.
    expect(es.closed).toBe(true);
    expect(h.close).toHaveBeenCalledWith({ opened: true });
  });
});
