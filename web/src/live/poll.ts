// Polling, the last resorts: long poll (GET /boards/{id}/poll?since=<seq>, which waits for the
// next event) and short poll (GET /boards/{id}/updates?since=<seq>, which answers at once and is
// asked again every few seconds).

import { request } from "../api";
import type { BoardEvent } from "../types";
import type { Handlers, Start, Transport, TransportName } from "./transport";

interface PollAnswer {
  data?: BoardEvent[];
  seq: number;
  resync?: boolean;
}

/** shortPollEvery is the interval of short polls, in milliseconds. */
export const shortPollEvery = 2000;
/** longPollTimeout is how long a long poll may wait on the server, in seconds. */
export const longPollTimeout = 25;

const updates = (b: string, since: number) => `/boards/${encodeURIComponent(b)}/updates?since=${since}`;

/**
 * startPolling polls path in a loop, pausing between polls. The first poll asks the short-poll
 * endpoint, which answers at once, so that a long poll is known to work (live) without
 * waiting for the board's next event.
 */
function startPolling(name: TransportName, path: (boardId: string, since: number) => string, pause: number): Start {
  return (boardId: string, lastSeq: () => number, h: Handlers): Transport => {
    const abort = new AbortController();
    let stopped = false;
    void (async () => {
      let opened = false;
      let since = lastSeq();
      while (!stopped) {
        let ans: PollAnswer;
        try {
          const url = opened ? path(boardId, since) : updates(boardId, since);
          ans = await request<PollAnswer>("GET", url, undefined, {}, undefined, abort.signal);
        } catch {
          if (!stopped) h.close({ opened });
          return;
        }
        if (stopped) return;
        if (!opened) {
          opened = true;
          h.open();
        }
        if (ans.resync) {
          h.resync(ans.seq);
          since = ans.seq;
        } else {
          for (const ev of ans.data ?? []) {
            h.event(ev);
            since = Math.max(since, ev.seq);
          }
          since = Math.max(since, lastSeq());
        }
        if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      }
    })();
    return {
      name,
      send: () => false,
      stop() {
        stopped = true;
        abort.abort();
      },
    };
  };
}

export const startLongPoll = startPolling(
  "longpoll",
  (b, since) => `/boards/${encodeURIComponent(b)}/poll?since=${since}&timeout=${longPollTimeout}`,
  0,
);

export const startShortPoll = startPolling("poll", updates, shortPollEvery);
