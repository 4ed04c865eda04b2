// Activity: a board event told as a sentence ("Bob moved “Set up CI” to Done"). Pure: the
// names come from the caller, who knows the board's members, lists and tasks.

import type { BoardEvent } from "./types";

export interface Names {
  /** user names a user ("Alice"), "You" for the reader. */
  user(id: string): string;
  /** list names a list, or undefined when it is gone. */
  list(id: string): string | undefined;
  /** task gives the title of a task the event names only by id, if known. */
  task(id: string): string | undefined;
}

const q = (s: string) => `“${s.length > 60 ? s.slice(0, 59) + "…" : s}”`;

/** describe tells what ev did, in a sentence without its final stop. */
export function describe(ev: BoardEvent, n: Names): string {
  const who = n.user(ev.actorId);
  const title = ev.task ? q(ev.task.title) : ev.taskId && n.task(ev.taskId) ? q(n.task(ev.taskId)!) : "a card";
  const list = (id: string | undefined) => (id && n.list(id)) || "a list";
  const label = ev.label ? (ev.label.name ? `the label ${q(ev.label.name)}` : `a ${ev.label.color} label`) : "a label";
  switch (ev.type) {
    case "task_created":
      return `${who} added ${title} to ${list(ev.task?.listId)}`;
    case "task_updated":
      return `${who} changed ${title}`;
    case "task_moved":
      return ev.fromListId && ev.fromListId !== ev.task?.listId
        ? `${who} moved ${title} from ${list(ev.fromListId)} to ${list(ev.task?.listId)}`
        : `${who} reordered ${title} in ${list(ev.task?.listId)}`;
    case "task_deleted":
      return `${who} deleted ${title}`;
    case "task_archived":
      return `${who} archived ${title}`;
    case "task_restored":
      return `${who} restored ${title} to ${list(ev.task?.listId)}`;
    case "comment_added":
      return `${who} commented on ${commentTask(ev, n)}`;
    case "comment_updated":
      return `${who} edited a comment on ${commentTask(ev, n)}`;
    case "comment_deleted":
      return `${who} deleted a comment on ${commentTask(ev, n)}`;
    case "label_created":
      return `${who} created ${label}`;
    case "label_updated":
      return `${who} changed ${label}`;
    case "label_deleted":
      return `${who} deleted a label`;
    case "list_created":
      return `${who} added the list ${q(ev.list?.name ?? "")}`;
    case "list_updated":
      return `${who} changed the list ${q(ev.list?.name ?? "")}`;
    case "list_deleted":
      return `${who} deleted a list`;
    case "board_updated":
      return `${who} renamed the board to ${q(ev.board?.name ?? "")}`;
    case "board_deleted":
      return `${who} deleted the board`;
    case "member_added":
      return `${who} added ${ev.member?.name ?? "someone"} to the board`;
    case "member_removed":
      return `${who} removed ${ev.userId ? n.user(ev.userId) : "someone"} from the board`;
    default:
      return `${who} changed the board`;
  }
}

function commentTask(ev: BoardEvent, n: Names): string {
  if (ev.task) return q(ev.task.title);
  const id = ev.comment?.taskId ?? ev.taskId;
  const t = id ? n.task(id) : undefined;
  return t ? q(t) : "a card";
}

/** ago says how long ago at was, at now: "just now", "5 min ago", "3 h ago", else the date. */
export function ago(at: string, now: Date): string {
  const s = (now.getTime() - new Date(at).getTime()) / 1000;
  if (!(s >= 0) || s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(at).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}
