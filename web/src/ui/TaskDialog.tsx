import { signal } from "@preact/signals";
import { useEffect, useRef, useState } from "preact/hooks";
import type { BoardSession } from "../boardSession";
import { me } from "../app";
import { fromLocalInput, fullTime, localInput } from "../cards";
import * as m from "../merge";
import { isTemp } from "../ops";
import { refusedEdits, takeRefused, type RefusedEdit } from "../refused";
import { ActivityFeed } from "./Activity";
import { labelName } from "./badges";
import { Checklist } from "./Checklist";
import { Comments } from "./Comments";
import { LabelPicker } from "./LabelPicker";
import { Markdown } from "./Markdown";

/** editing is the id of the task open in the dialog, or null. */
export const editing = signal<string | null>(null);

/**
 * TaskDialog edits one card. It keeps a three-way draft (merge.ts): others' changes to fields
 * the user has not touched show in place, a field both changed asks "keep mine / use theirs",
 * and a save sends only what the user changed. A card deleted meanwhile keeps the typed text.
 */
export function TaskDialog({ session, readOnly = false }: { session: BoardSession; readOnly?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = editing.value ? session.resolve(editing.value) : null;
  const view = session.store.view.value;
  const task = id ? view?.tasks.find((t) => t.id === id) : undefined;
  const [draft, setDraft] = useState<m.Draft | null>(null);
  /** gone names who deleted the card while it was open. */
  const [gone, setGone] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [hint, setHint] = useState("");
  const [preview, setPreview] = useState(false);
  const [showActivity, setShowActivity] = useState(false);
  const opener = useRef<HTMLElement | null>(null);
  const seed = useRef<RefusedEdit | null>(null);

  // A refused edit of this board reopens its card, once no other is open.
  const refused = refusedEdits.value;
  useEffect(() => {
    if (editing.value || !view) return;
    const r = takeRefused(session.boardId);
    if (!r) return;
    seed.current = r;
    editing.value = r.taskId;
  }, [refused, editing.value, view !== null]);

  // Open: a fresh draft of the card, or the refused edit merged with the card as it is now.
  useEffect(() => {
    const d = ref.current;
    if (!d || !editing.value || d.open) return;
    const r = seed.current;
    seed.current = null;
    if (!task && !r) return;
    opener.current = document.activeElement as HTMLElement | null;
    if (r) {
      const start = m.fromChanges(r.base, r.version, r.changes);
      setDraft(task ? m.merge(start, task) : start);
      setGone(task ? null : session.nameOf(session.store.lastActor(r.taskId)));
    } else {
      setDraft(m.open(task!));
      setGone(null);
    }
    setAsking(false);
    setHint("");
    setPreview(false);
    setShowActivity(false);
    d.showModal();
  }, [editing.value, task !== undefined]);

  // Live: someone else's change merges into the draft; a deletion keeps it, with a notice.
  useEffect(() => {
    if (!draft || !id) return;
    if (task) {
      if (gone) return;
      setDraft((d) => d && m.merge(d, task));
    } else if (!gone) {
      setGone(session.nameOf(session.store.lastActor(id)));
    }
  }, [task]);

  function finish() {
    if (id) session.collab.stopTyping(id);
    editing.value = null;
    setDraft(null);
    setGone(null);
    setAsking(false);
    if (ref.current?.open) ref.current.close();
    opener.current?.focus?.();
  }

  /** requestClose closes at once when nothing would be lost, and asks first otherwise. */
  function requestClose() {
    if (draft && m.dirty(draft)) setAsking(true);
    else finish();
  }

  function save(e: Event) {
    e.preventDefault();
    if (!draft || !id || !task) return;
    const open = m.conflicts(draft);
    if (open.length > 0) {
      setHint("Someone else changed the highlighted fields too: choose which version to keep.");
      ref.current?.querySelector<HTMLElement>("[data-testid=conflict] button")?.focus();
      return;
    }
    const c = m.changes(draft);
    // A label deleted from the board while the dialog was open is not sent back.
    if (c.labelIds && view) c.labelIds = c.labelIds.filter((l) => view.labels.some((x) => x.id === l));
    if (Object.keys(c).length > 0) session.saveTask(id, c, draft.base, draft.version);
    finish();
  }

  function saveAsNew() {
    if (!draft || !view) return;
    const list = view.lists.find((l) => l.id === draft.mine.listId) ?? view.lists[0];
    if (!list) return;
    session.createTask(list.id, draft.mine.title.trim() || "Untitled", {
      description: draft.mine.description || null,
      assigneeIds: m.ids(draft.mine.assigneeIds),
      // Labels deleted meanwhile are left out: the server would refuse the card for them.
      labelIds: m.ids(draft.mine.labelIds).filter((l) => view.labels.some((x) => x.id === l)),
      dueAt: draft.mine.dueAt || null,
    });
    finish();
  }

  const typing = () => id && !gone && !readOnly && session.collab.typing(id);
  const set = (f: m.Field, v: string) => setDraft((d) => d && m.edit(d, f, v));
  const self = me.value;
  const people = view?.members ?? (self ? [{ userId: self.id, name: self.name }] : []);
  const who = id ? session.nameOf(session.store.lastActor(id)) : "Someone";
  const goneHow = id && session.store.lastKind(id) === "task_archived" ? "archived" : "deleted";
  const nameOfPerson = (uid: string) => people.find((p) => p.userId === uid)?.name ?? uid;
  const nameOfPeople = (v: string) => (v ? m.ids(v).map(nameOfPerson).join(", ") : "nobody");
  const labelsNamed = (v: string) =>
    v ? m.ids(v).map((lid) => { const l = view?.labels.find((x) => x.id === lid); return l ? labelName(l) : "a deleted label"; }).join(", ") : "no labels";
  const nameOfList = (lid: string) => view?.lists.find((l) => l.id === lid)?.name ?? "a list that is gone";
  const shown: Record<m.Field, (v: string) => string> = {
    title: (v) => `“${v}”`,
    description: (v) => (v ? `“${v.length > 80 ? v.slice(0, 79) + "…" : v}”` : "nothing"),
    assigneeIds: nameOfPeople,
    labelIds: labelsNamed,
    dueAt: (v) => (v ? fullTime(v) : "no due date"),
    listId: nameOfList,
  };

  function conflict(f: m.Field) {
    const theirs = draft?.theirs[f];
    if (theirs === undefined) return null;
    return (
      <div class="conflict" data-testid="conflict" data-field={f} role="group" aria-label={`Conflict on ${labels[f]}`}>
        <span>
          {who} changed this to {shown[f](theirs)}.
        </span>
        <button type="button" data-testid="keep-mine" onClick={() => setDraft((d) => d && m.resolve(d, f, "mine"))}>
          Keep mine
        </button>
        <button type="button" data-testid="use-theirs" onClick={() => setDraft((d) => d && m.resolve(d, f, "theirs"))}>
          Use theirs
        </button>
      </div>
    );
  }

  const mine = draft?.mine;
  const assigned = mine ? m.ids(mine.assigneeIds) : [];
  // Someone assigned who is not (or no longer) a member still shows, to be taken off.
  const everyone = [...people, ...assigned.filter((a) => !people.some((p) => p.userId === a)).map((a) => ({ userId: a, name: a }))];
  const live = !!task && !gone && !isTemp(task.id);
  const owner = view?.board.role === "owner";
  const conflictOn = (f: m.Field) => (draft?.theirs[f] !== undefined ? "has-conflict" : "");

  return (
    <dialog
      ref={ref}
      class="task-dialog"
      aria-labelledby="task-dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        requestClose();
      }}
      onClose={() => {
        // Closed by the browser without asking (a repeated Esc): reopen rather than lose edits.
        if (!editing.value) return;
        if (draft && m.dirty(draft)) {
          ref.current?.showModal();
          setAsking(true);
        } else finish();
      }}
      onClick={(e) => {
        if (ref.current && e.target === ref.current && outside(ref.current, e)) requestClose();
      }}
    >
      {draft && mine && (
        <>
          <div class="dialog-body">
            <form id="task-form" method="dialog" onSubmit={save} class="stack">
              <h2 id="task-dialog-title">{gone ? "Card gone" : readOnly ? "Task" : "Edit task"}</h2>
              {gone && (
                <p role="alert" class="gone" data-testid="task-gone">
                  {gone} {goneHow} this card while you had it open. Your text is still here: copy it, or save it as a new card.
                </p>
              )}
              <label class={conflictOn("title")}>
                Title
                <input
                  data-testid="task-title-input"
                  value={mine.title}
                  readOnly={readOnly}
                  required
                  maxLength={200}
                  onInput={(e) => {
                    set("title", e.currentTarget.value);
                    typing();
                  }}
                />
              </label>
              {conflict("title")}
              <div class="row">
                <label class={conflictOn("listId")}>
                  List
                  <select data-testid="task-list-select" value={mine.listId} disabled={readOnly} onChange={(e) => set("listId", e.currentTarget.value)}>
                    {view?.lists.map((l) => (
                      <option key={l.id} value={l.id}>
                        {l.name}
                      </option>
                    ))}
                  </select>
                </label>
                <label class={conflictOn("dueAt")}>
                  Due
                  <span class="due-input">
                    <input
                      type="datetime-local"
                      data-testid="task-due-input"
                      value={localInput(mine.dueAt)}
                      readOnly={readOnly}
                      onChange={(e) => set("dueAt", fromLocalInput(e.currentTarget.value))}
                    />
                    {mine.dueAt && !readOnly && (
                      <button type="button" class="icon" aria-label="Remove the due date" title="Remove the due date" data-testid="task-due-clear" onClick={() => set("dueAt", "")}>
                        ×
                      </button>
                    )}
                  </span>
                </label>
              </div>
              {conflict("listId")}
              {conflict("dueAt")}
              <fieldset class={`people ${conflictOn("assigneeIds")}`} data-testid="task-assignees">
                <legend>Members</legend>
                {everyone.map((p) => (
                  <label key={p.userId} class="person">
                    <input
                      type="checkbox"
                      data-testid="assignee-option"
                      value={p.userId}
                      checked={assigned.includes(p.userId)}
                      disabled={readOnly}
                      onChange={() => set("assigneeIds", m.toggle(mine.assigneeIds, p.userId))}
                    />
                    {p.name}
                    {p.userId === self?.id ? " (me)" : ""}
                  </label>
                ))}
              </fieldset>
              {conflict("assigneeIds")}
              <div class={conflictOn("labelIds")}>
                <LabelPicker session={session} labels={view?.labels ?? []} value={mine.labelIds} onChange={(v) => set("labelIds", v)} readOnly={readOnly || !!gone} />
              </div>
              {conflict("labelIds")}
              <div class={`description ${conflictOn("description")}`}>
                <div class="description-head">
                  <label for="task-description">Description</label>
                  <span class="tabs">
                    <button type="button" aria-pressed={!preview} data-testid="description-write" onClick={() => setPreview(false)} hidden={readOnly}>
                      Write
                    </button>
                    <button type="button" aria-pressed={preview} data-testid="description-preview" onClick={() => setPreview(true)} hidden={readOnly}>
                      Preview
                    </button>
                  </span>
                </div>
                {preview || readOnly ? (
                  <div class="preview" id="task-description" data-testid="description-rendered">
                    {mine.description ? <Markdown text={mine.description} /> : <p class="muted">No description.</p>}
                  </div>
                ) : (
                  <textarea
                    id="task-description"
                    data-testid="task-description-input"
                    value={mine.description}
                    rows={5}
                    maxLength={10000}
                    placeholder="Markdown: **bold**, _italic_, - lists, [links](https://…)"
                    onInput={(e) => {
                      set("description", e.currentTarget.value);
                      typing();
                    }}
                  />
                )}
              </div>
              {conflict("description")}
              {hint && m.conflicts(draft).length > 0 && (
                <p role="alert" class="hint">
                  {hint}
                </p>
              )}
            </form>
            {live && task && <Checklist session={session} task={task} readOnly={readOnly} />}
            {live && task && <Comments session={session} taskId={task.id} readOnly={readOnly} owner={owner} />}
            {live && task && (
              <section class="task-activity">
                <button type="button" class="link" aria-expanded={showActivity} data-testid="task-activity-toggle" onClick={() => setShowActivity(!showActivity)}>
                  {showActivity ? "Hide activity" : "Show activity"}
                </button>
                {showActivity && <ActivityFeed session={session} taskId={task.id} />}
              </section>
            )}
          </div>
          {asking ? (
            <div class="actions ask" role="alertdialog" aria-label="Discard changes?" data-testid="discard-confirm">
              <span>Discard what you changed?</span>
              <span class="spacer" />
              <button type="button" data-testid="keep-editing" autoFocus onClick={() => setAsking(false)}>
                Keep editing
              </button>
              <button type="button" class="danger" data-testid="discard" onClick={finish}>
                Discard
              </button>
            </div>
          ) : readOnly ? (
            <div class="actions">
              <span class="spacer" />
              <button type="button" data-testid="task-cancel" onClick={finish}>
                Close
              </button>
            </div>
          ) : gone ? (
            <div class="actions">
              <button type="button" onClick={() => void navigator.clipboard?.writeText(asText(mine)).catch(() => {})}>
                Copy text
              </button>
              <span class="spacer" />
              <button type="button" onClick={requestClose}>
                Close
              </button>
              <button type="button" class="primary" data-testid="task-save-as-new" onClick={saveAsNew}>
                Save as new card
              </button>
            </div>
          ) : (
            <div class="actions">
              {task && (
                <button
                  type="button"
                  data-testid="task-archive"
                  onClick={() => {
                    session.archiveTask(task.id);
                    finish();
                  }}
                >
                  Archive
                </button>
              )}
              <span class="spacer" />
              <button type="button" data-testid="task-cancel" onClick={requestClose}>
                Cancel
              </button>
              <button type="submit" form="task-form" class="primary" data-testid="task-save">
                Save
              </button>
            </div>
          )}
        </>
      )}
    </dialog>
  );
}

const labels: Record<m.Field, string> = {
  title: "the title",
  description: "the description",
  assigneeIds: "the members",
  labelIds: "the labels",
  dueAt: "the due date",
  listId: "the list",
};

/** outside reports whether a click on the dialog element fell on its backdrop. */
function outside(d: HTMLDialogElement, e: MouseEvent): boolean {
  const r = d.getBoundingClientRect();
  return e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom;
}

function asText(v: m.Values): string {
  return v.description ? `${v.title}\n\n${v.description}` : v.title;
}
