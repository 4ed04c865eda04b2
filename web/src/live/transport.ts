// The live transports share one shape: start one for a board from a seq, and it reports the
// moment it delivers (open), each board event in order, resyncs, collaboration messages
// (WebSocket only) and its end.

import type { BoardEvent } from "../types";

export type TransportName = "websocket" | "sse" | "longpoll" | "poll";

/** chain is the order transports are tried in: the first that works is kept. */
export const chain: readonly TransportName[] = ["websocket", "sse", "longpoll", "poll"];

export const transportLabel: Record<TransportName, string> = {
  websocket: "WebSocket",
  sse: "SSE",
  longpoll: "long poll",
  poll: "polling",
};

/** Fatal endings that no reconnection can mend. */
export type Fatal = "unauthorized" | "revoked" | "not_found";

export interface CloseInfo {
  /** opened reports whether the transport delivered anything before it ended. */
  opened: boolean;
  fatal?: Fatal;
}

/** CollabMessage is a WebSocket message about people rather than the board's content. */
export interface CollabMessage {
  type: string;
  boardId?: string;
  userId?: string;
  name?: string;
  taskId?: string | null;
  x?: number;
  y?: number;
  viewers?: { userId: string; name: string }[];
  code?: string;
  message?: string;
}

export interface Handlers {
  open(): void;
  event(ev: BoardEvent): void;
  resync(seq: number): void;
  collab(msg: CollabMessage): void;
  close(info: CloseInfo): void;
}

export interface Transport {
  readonly name: TransportName;
  /** send sends a collaboration message; false when this transport cannot carry one. */
  send(msg: object): boolean;
  /** stop ends the transport without a close report. */
  stop(): void;
}

/** Start starts a transport for boardId; lastSeq returns the seq to resume after. */
export type Start = (boardId: string, lastSeq: () => number, h: Handlers) => Transport;
