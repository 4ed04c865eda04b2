import { useEffect, useState } from "preact/hooks";
import { fullTime } from "../cards";
import { ago } from "../activity";
import { me } from "../app";
import type { BoardSession } from "../boardSession";
import type { Comment } from "../types";
import { clock } from "./badges";
import { Markdown } from "./Markdown";
import { colorOf, initials } from "./people";

const byTime = (a: Comment, b: Comment) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/** put adds or replaces comments by id, oldest first. */
function put(cs: Comment[], more: Comment[]): Comment[] {
  const ids = new Set(more.map((c) => c.id));
  return [...cs.filter((c) => !ids.has(c.id)), ...more].sort(byTime);
}

/**
 * Comments is a card's conversation, newest at the bottom, live: others' comments, edits and
 * deletions arrive while it is open. Its author edits or deletes a comment; an owner may delete
 * any.
 */
export function Comments({ session, taskId, readOnly, owner }: { session: BoardSession; taskId: string; readOnly: boolean; owner: boolean }) {
  const [comments, setComments] = useState<Comment[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [state, setState] = useState<"loading" | "ok" | "error">("loading");
  const [body, setBody] = useState("");
  const [editing, setEditing] = useState<{ id: string; body: string } | null>(null);
  const [sending, setSending] = useState(false);
  const self = me.value;
  // Read again after a resync: events missed meanwhile are not replayed to this list.
  const loads = session.store.loads.value;

  useEffect(() => {
    let live = true;
    const stop = session.store.listen((ev) => {
      if (ev.comment && ev.comment.taskId === taskId && (ev.type === "comment_added" || ev.type === "comment_updated")) {
        setComments((cs) => put(cs, [ev.comment!]));
      }
      if (ev.type === "comment_deleted" && ev.taskId === taskId) setComments((cs) => cs.filter((c) => c.id !== ev.commentId));
    });
    session.comments(taskId).then(
      (r) => {
        if (!live) return;
        // The server's page is the truth; a comment kept here survives only if it is newer
        // than the page's newest (it arrived live while the page was asked for).
        const newest = r.data.at(-1)?.createdAt ?? "";
        setComments((cs) => put(r.data, cs.filter((c) => c.createdAt > newest)));
        setOlder(r.next);
        setState("ok");
      },
      () => live && setState("error"),
    );
    return () => {
      live = false;
      stop();
    };
  }, [session, taskId, loads]);

  async function post(e: Event) {
    e.preventDefault();
    const b = body.trim();
    if (!b || sending) return;
    setSending(true);
    const c = await session.addComment(taskId, b);
    setSending(false);
    if (c) {
      setBody("");
      setComments((cs) => put(cs, [c]));
    }
  }

  async function saveEdit(e: Event) {
    e.preventDefault();
    if (!editing) return;
    const b = editing.body.trim();
    if (!b) return;
    const c = await session.editComment(editing.id, b);
    if (c) {
      setComments((cs) => put(cs, [c]));
      setEditing(null);
    }
  }

  async function showOlder() {
    if (!older) return;
    const r = await session.comments(taskId, older).catch(() => null);
    if (!r) return;
    setComments((cs) => put(cs, r.data));
    setOlder(r.next);
  }

  const realName = (id: string) => (id === self?.id ? self.name : (session.store.view.value?.members?.find((m) => m.userId === id)?.name ?? session.nameOf(id)));
  const name = (id: string) => (id === self?.id ? "You" : realName(id));
  const now = clock.value;
  return (
    <section class="comments-section" aria-labelledby="comments-title" data-testid="comments">
      <h3 id="comments-title">Comments</h3>
      {older && (
        <button type="button" class="link" onClick={() => void showOlder()}>
          Show older comments
        </button>
      )}
      {state === "loading" && <p class="loading">Loading…</p>}
      {state === "error" && <p class="error">Cannot load the comments.</p>}
      <ol class="comment-list">
        {comments.map((c) => {
          const mine = c.authorId === self?.id;
          return (
            <li key={c.id} data-testid="comment" data-comment-id={c.id}>
              <span class="avatar" aria-hidden="true" style={{ background: colorOf(c.authorId) }}>
                {initials(realName(c.authorId))}
              </span>
              <div class="comment-body">
                <div class="comment-head">
                  <strong>{name(c.authorId)}</strong>
                  <time dateTime={c.createdAt} title={fullTime(c.createdAt)}>
                    {ago(c.createdAt, now)}
                  </time>
                  {c.updatedAt !== c.createdAt && <span class="muted">(edited)</span>}
                </div>
                {editing?.id === c.id ? (
                  <form class="stack" onSubmit={saveEdit}>
                    <textarea aria-label="Edit comment" data-testid="comment-edit-input" rows={3} maxLength={5000} value={editing.body} onInput={(e) => setEditing({ id: c.id, body: e.currentTarget.value })} />
                    <div class="actions">
                      <button type="submit" class="primary" data-testid="comment-edit-save">
                        Save
                      </button>
                      <button type="button" onClick={() => setEditing(null)}>
                        Cancel
                      </button>
                    </div>
                  </form>
                ) : (
                  <Markdown text={c.body} />
                )}
                {!readOnly && editing?.id !== c.id && (mine || owner) && (
                  <div class="row-actions">
                    {mine && (
                      <button type="button" class="link" data-testid="comment-edit" onClick={() => setEditing({ id: c.id, body: c.body })}>
                        Edit
                      </button>
                    )}
                    <button
                      type="button"
                      class="link danger"
                      data-testid="comment-delete"
                      onClick={() => {
                        if (confirm("Delete this comment?")) void session.deleteComment(c.id).then((ok) => ok && setComments((cs) => cs.filter((x) => x.id !== c.id)));
                      }}
                    >
                      Delete
                    </button>
                  </div>
                )}
              </div>
            </li>
          );
        })}
      </ol>
      {!readOnly && (
        <form class="stack new-comment" onSubmit={post}>
          <textarea
            aria-label="Write a comment"
            data-testid="comment-input"
            placeholder="Write a comment (Markdown)"
            rows={2}
            maxLength={5000}
            value={body}
            onInput={(e) => setBody(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void post(e);
            }}
          />
          <div class="actions">
            <button type="submit" class="primary" data-testid="comment-post" disabled={!body.trim() || sending}>
              Comment
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
