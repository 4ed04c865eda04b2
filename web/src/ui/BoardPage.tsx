import { signal, type Signal } from "@preact/signals";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { apply, active, noFilter, type Filter } from "../filter";
import { ActivityPanel } from "./Activity";
import { ArchivedPanel } from "./Archived";
import { nextDueChange } from "../cards";
import { FilterBar } from "./FilterBar";
import { IconEdit } from "./icons";
import { ApiError, NetworkError } from "../api";
import { userSession } from "../app";
import { BoardSession } from "../boardSession";
import { navigate } from "../router";
import { tasksOf } from "../state";
import { Column } from "./Column";
import { Cursors } from "./Cursors";
import { drag, holdStillWhileLifted } from "./drag";
import { MembersPanel } from "./Members";
import { Rename } from "./Rename";
import { Presence, SyncStatus } from "./Status";
import { editing, TaskDialog } from "./TaskDialog";

export function BoardPage({ boardId }: { boardId: string }) {
  const session = useMemo(() => new BoardSession(boardId, userSession()!), [boardId]);
  const [error, setError] = useState("");
  const [attempt, setAttempt] = useState(0);
  const [panel, setPanel] = useState<"members" | "archived" | "activity" | null>(null);
  const filter = useMemo(() => signal<Filter>(noFilter), [boardId]);
  // The time cards' due dates are judged at: moved on only when a badge would change.
  const [now, setNow] = useState(() => new Date());
  const tasks = session.store.view.value?.tasks;
  useEffect(() => {
    if (!tasks) return;
    const timer = setTimeout(() => setNow(new Date()), Math.min(nextDueChange(tasks, now) + 50, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [tasks, now]);

  useEffect(() => {
    let live = true;
    session
      .start()
      .then(() => {
        // A link to a card (from search) opens it.
        const card = new URLSearchParams(location.search).get("card");
        if (live && card && session.store.view.value?.tasks.some((t) => t.id === card)) editing.value = card;
      })
      .catch((e) => {
      if (!live) return;
      if (e instanceof ApiError && e.status === 404) setError("This board does not exist, or you are not a member of it.");
      else if (e instanceof NetworkError) setError("Cannot reach the server to load this board.");
      else setError("Cannot load this board.");
    });
    return () => {
      live = false;
      session.stop();
      editing.value = null;
    };
  }, [session, attempt]);

  const view = session.store.view.value;
  const gone = session.store.gone.value;
  const name = view?.board.name;
  useEffect(() => {
    document.title = name ? `${name} · taskboard` : "taskboard";
    return () => {
      document.title = "taskboard";
    };
  }, [name]);
  if (gone) {
    return (
      <section class="message">
        <p role="alert">{gone}</p>
        <button type="button" class="primary" onClick={() => navigate("/")}>
          Back to my boards
        </button>
      </section>
    );
  }
  if (!view) {
    return error ? (
      <section class="message">
        <p role="alert">{error}</p>
        <button type="button" onClick={() => { setError(""); setAttempt(attempt + 1); }}>
          Try again
        </button>
      </section>
    ) : (
      <p class="loading">Loading board…</p>
    );
  }

  const role = view.board.role;
  const owner = role === "owner";
  const readOnly = role === "viewer";
  const pendingCount = session.store.pendingCount.value;
  const toggle = (p: typeof panel) => setPanel(panel === p ? null : p);
  const shown = active(filter.value) ? apply(view.tasks, filter.value, now).length : view.tasks.length;
  return (
    <div class="board-page">
      <div class="board-bar">
        <BoardTitle session={session} name={view.board.name} editable={owner} />
        {role && <span class={`role ${role}`}>{role === "viewer" ? "view only" : role}</span>}
        <Presence collab={session.collab} />
        <div class="bar-end">
          <SyncStatus conn={session.conn} waiting={pendingCount} />
          <button type="button" aria-expanded={panel === "activity"} aria-controls="activity" data-testid="activity-toggle" onClick={() => toggle("activity")}>
            Activity
          </button>
          <button type="button" aria-expanded={panel === "archived"} aria-controls="archived" data-testid="archived-toggle" onClick={() => toggle("archived")}>
            Archived
          </button>
          <button type="button" aria-expanded={panel === "members"} aria-controls="members" onClick={() => toggle("members")}>
            Members
          </button>
        </div>
        <FilterBar filter={filter} labels={view.labels} members={view.members} shown={shown} total={view.tasks.length} />
      </div>
      <p id="card-help" class="sr-only">
        {readOnly
          ? "Enter opens the card. The arrow keys go to the card above, below, or in the next list."
          : "Enter opens the card. The arrow keys go to the card above, below, or in the next list; with Alt they move the card."}
      </p>
      <Canvas session={session} readOnly={readOnly} filter={filter} now={now} />
      {panel === "members" && <MembersPanel session={session} onClose={() => setPanel(null)} />}
      {panel === "archived" && <ArchivedPanel session={session} readOnly={readOnly} onClose={() => setPanel(null)} />}
      {panel === "activity" && <ActivityPanel session={session} onClose={() => setPanel(null)} />}
      <TaskDialog session={session} readOnly={readOnly} />
      <DragGhost />
    </div>
  );
}

function BoardTitle({ session, name, editable }: { session: BoardSession; name: string; editable: boolean }) {
  const [edit, setEdit] = useState(false);
  if (!edit) {
    return (
      <h1 class="board-name">
        {name}
        {editable && (
          <button type="button" class="icon" aria-label="Rename board" title="Rename board" onClick={() => setEdit(true)}>
            <IconEdit />
          </button>
        )}
      </h1>
    );
  }
  return (
    <Rename
      id="board-name"
      label="Board name"
      current={name}
      changedBy={() => session.nameOf(session.store.lastActor(session.boardId))}
      save={(n) => void session.renameBoard(n)}
      done={() => setEdit(false)}
    />
  );
}

function Canvas({ session, readOnly, filter, now }: { session: BoardSession; readOnly: boolean; filter: Signal<Filter>; now: Date }) {
  const ref = useRef<HTMLDivElement>(null);
  const view = session.store.view.value!;
  const pending = session.store.pending.value;
  const typists = session.collab.typists.value;
  const [newList, setNewList] = useState("");
  const f = filter.value;
  const on = active(f);
  useEffect(() => (ref.current ? holdStillWhileLifted(ref.current) : undefined), []);

  function pointer(e: PointerEvent) {
    const el = ref.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const card = (e.target as HTMLElement).closest<HTMLElement>("[data-testid=task-card]");
    session.collab.cursor(e.clientX - r.left + el.scrollLeft, e.clientY - r.top + el.scrollTop, card?.dataset.taskId ?? null);
  }

  return (
    <div class="canvas" ref={ref} onPointerMove={pointer}>
      <ol class="lists" aria-label="Lists">
        {view.lists.map((l) => {
          const all = tasksOf(view, l.id);
          return (
          <Column
            key={l.id}
            session={session}
            list={l}
            tasks={on ? apply(all, f, now) : all}
            total={on ? all.length : undefined}
            labels={view.labels}
            now={now}
            members={view.members}
            lists={view.lists}
            pending={pending}
            typists={typists}
            readOnly={readOnly}
          />
          );
        })}
        {!readOnly && (
        <li class="add-list">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              session.createList(newList);
              setNewList("");
            }}
          >
            <label for="new-list">Add a list</label>
            <input id="new-list" value={newList} maxLength={100} placeholder="List name" onInput={(e) => setNewList(e.currentTarget.value)} />
          </form>
        </li>
        )}
      </ol>
      <Cursors collab={session.collab} />
    </div>
  );
}

function DragGhost() {
  const d = drag.value;
  if (!d) return null;
  return (
    <div class="ghost" aria-hidden="true" style={{ transform: `translate(${d.x}px, ${d.y}px) rotate(2deg)`, width: `${d.width}px` }}>
      {d.title}
    </div>
  );
}
