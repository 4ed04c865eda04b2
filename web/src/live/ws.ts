// WebSocket: GET /ws, authenticated by the session cookie during the handshake. It joins the
// board from the last seq (missed events follow the presence answer) and carries presence,
// typing and cursors besides the board events.

import { eventTypes, type BoardEvent, type EventType } from "../types";
import type { CollabMessage, Fatal, Start, Transport } from "./transport";

/** pingEvery keeps idle connections alive through proxies, in milliseconds. */
export const pingEvery = 25_000;

const boardEvents = new Set<string>(eventTypes);

export const startWebSocket: Start = (boardId, lastSeq, h): Transport => {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/ws`);
  let opened = false;
  let stopped = false;
  let fatal: Fatal | undefined;
  const ping = setInterval(() => send({ type: "ping" }), pingEvery);

  function send(msg: object): boolean {
    if (stopped || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  ws.onopen = () => send({ type: "join", boardId, lastSeq: lastSeq() });
  ws.onmessage = (e: MessageEvent) => {
    if (stopped || typeof e.data !== "string") return;
    let msg: CollabMessage & { seq?: number };
    try {
      msg = JSON.parse(e.data);
    } catch {
      return;
    }
    if (msg.boardId !== undefined && msg.boardId !== boardId) return;
    if (boardEvents.has(msg.type)) {
      h.event(msg as unknown as BoardEvent & { type: EventType });
      return;
    }
    switch (msg.type) {
      case "presence":
        if (!opened) {
          opened = true;
          h.open();
        }
        h.collab(msg);
        return;
      case "resync":
        h.resync(msg.seq ?? 0);
        return;
      case "pong":
      case "ack":
        return;
      case "error":
        if (!opened && (msg.code === "not_found" || msg.code === "forbidden")) {
          fatal = "not_found";
          ws.close(1000);
        }
        return;
      default:
        h.collab(msg);
    }
  };
  ws.onclose = (e: CloseEvent) => {
    clearInterval(ping);
    if (stopped) return;
    stopped = true;
    if (e.code === 4001) fatal = "unauthorized";
    if (e.code === 4003) fatal = "revoked";
    h.close({ opened, fatal });
  };
  return {
    name: "websocket",
    send,
    stop() {
      stopped = true;
      clearInterval(ping);
      ws.close(1000);
    },
  };
};
