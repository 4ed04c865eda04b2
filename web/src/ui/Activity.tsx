import { useEffect, useState } from "preact/hooks";
import { fullTime } from "../cards";
import { ago, describe, type Names } from "../activity";
import { me } from "../app";
import type { BoardSession } from "../boardSession";
import type { BoardEvent } from "../types";
import { clock } from "./badges";
import { Panel } from "./Panel";

/** touches reports whether ev changed the task taskId. */
function touches(ev: BoardEvent, taskId: string): boolean {
  return ev.task?.id === taskId || ev.taskId === taskId || ev.comment?.taskId === taskId || (ev.taskIds?.includes(taskId) ?? false);
}

/**
 * ActivityFeed lists who did what, newest first: the board's events, or one card's, from the
 * server's history and then live as they arrive.
 */
export function ActivityFeed({ session, taskId }: { session: BoardSession; taskId?: string }) {
  const [events, setEvents] = useState<BoardEvent[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [state, setState] = useState<"loading" | "ok" | "error">("loading");
  // Read again after a resync: events missed meanwhile are not replayed to this list.
  const loads = session.store.loads.value;

  useEffect(() => {
    let live = true;
    const stop = session.store.listen((ev) => {
      if (!taskId || touches(ev, taskId)) setEvents((es) => (es.some((e) => e.seq === ev.seq) ? es : [ev, ...es]));
    });
    session.activity(taskId).then(
      (r) => {
        if (!live) return;
        // Live events that came while the page loaded stay on top, once.
        setEvents((es) => [...es, ...r.data.filter((e) => !es.some((x) => x.seq === e.seq))].sort((a, b) => b.seq - a.seq));
        setNext(r.next);
        setState("ok");
      },
      () => live && setState("error"),
    );
    return () => {
      live = false;
      stop();
    };
  }, [session, taskId, loads]);

  async function more() {
    if (next === null) return;
    try {
      const r = await session.activity(taskId, next);
      setEvents((es) => [...es, ...r.data.filter((e) => !es.some((x) => x.seq === e.seq))]);
      setNext(r.next);
    } catch {
      setState("error");
    }
  }

  const view = session.store.view.value;
  const self = me.value;
  const names: Names = {
    user: (id) => (id === self?.id ? "You" : (view?.members?.find((m) => m.userId === id)?.name ?? session.nameOf(id))),
    list: (id) => view?.lists.find((l) => l.id === id)?.name,
    task: (id) => view?.tasks.find((t) => t.id === id)?.title,
  };
  const now = clock.value;
  return (
    <div class="activity">
      {state === "loading" && events.length === 0 && <p class="loading">Loading…</p>}
      {state === "error" && <p class="error">Cannot load the activity.</p>}
      {state === "ok" && events.length === 0 && <p class="muted">Nothing yet.</p>}
      <ol class="activity-list" data-testid="activity-list">
        {events.map((ev) => (
          <li key={ev.seq} data-testid="activity-item" data-type={ev.type}>
            <span>{describe(ev, names)}.</span>
            <time dateTime={ev.at} title={fullTime(ev.at)}>
              {ago(ev.at, now)}
            </time>
          </li>
        ))}
      </ol>
      {next !== null && (
        <button type="button" onClick={() => void more()}>
          Show older
        </button>
      )}
    </div>
  );
}

/** ActivityPanel is the board's activity beside it. */
export function ActivityPanel({ session, onClose }: { session: BoardSession; onClose: () => void }) {
  return (
    <Panel id="activity" title="Activity" testId="activity-panel" onClose={onClose}>
      <ActivityFeed session={session} />
    </Panel>
  );
}
