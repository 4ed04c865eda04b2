// Server-Sent Events: GET /boards/{id}/events?lastEventId=<seq>. The browser's own reconnection
// is not used: on any error the stream is closed and the connection decides when to come back,
// with backoff, from the last seq the board holds.

import { eventTypes, type BoardEvent } from "../types";
import type { Start, Transport } from "./transport";

export const startSSE: Start = (boardId, lastSeq, h): Transport => {
  const url = `/boards/${encodeURIComponent(boardId)}/events?lastEventId=${lastSeq()}`;
  const es = new EventSource(url);
  let opened = false;
  let stopped = false;
  const guard = (f: (data: string) => void) => (e: Event) => {
    if (stopped) return;
    try {
      f((e as MessageEvent<string>).data);
    } catch {
      // A frame that does not parse is dropped; the stream's order still holds for the rest.
    }
  };
  es.onmessage = guard((data) => {
    const msg = JSON.parse(data) as { type?: string };
    if (msg.type === "connected" && !opened) {
      opened = true;
      h.open();
    }
  });
  for (const t of eventTypes) es.addEventListener(t, guard((data) => h.event(JSON.parse(data) as BoardEvent)));
  es.addEventListener("resync", guard((data) => h.resync((JSON.parse(data) as { seq: number }).seq)));
  es.onerror = () => {
    if (stopped) return;
    stopped = true;
    es.close();
    h.close({ opened });
  };
  return {
    name: "sse",
    send: () => false,
    stop() {
      stopped = true;
      es.close();
    },
  };
};


