// The card dialog's three-way merge. A draft keeps, per field, the value the user last saw from
// the server (base), the value in the dialog (mine) and, for a field both sides changed, the
// other side's value (theirs) until the user picks one. Saving sends only what the user changed
// against base, with If-Match carrying the version base was read at: nobody's change is undone
// by a field the user never touched, and no conflict is settled without the user's say.

import type { TaskFields } from "./ops";
import type { Task } from "./types";

/**
 * fields are the parts of a task the dialog edits. The sets (assignees, labels) are held as
 * their ids joined by commas, so that one comparison of strings tells whether they changed.
 */
export const fields = ["title", "description", "assigneeIds", "labelIds", "dueAt", "listId"] as const;
export type Field = (typeof fields)[number];

/** Values holds a task's editable fields as the dialog shows them: absent values are "". */
export type Values = Record<Field, string>;

export interface Draft {
  /** base is the server's value of each field as the user last saw it. */
  base: Values;
  /** version is the task's version that base was read at: the If-Match of a save. */
  version: number;
  /** mine is what the dialog shows. */
  mine: Values;
  /** theirs holds the other side's value of each field both sides changed, until resolved. */
  theirs: Partial<Values>;
}

/** valuesOf reads a task's editable fields. */
export function valuesOf(t: Task): Values {
  return {
    title: t.title,
    description: t.description ?? "",
    assigneeIds: assigneesOf(t).join(","),
    labelIds: (t.labelIds ?? []).join(","),
    dueAt: t.dueAt ? iso(t.dueAt) : "",
    listId: t.listId,
  };
}

/** iso writes a time as toISOString does (milliseconds, UTC), so that equal times compare equal. */
function iso(at: string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toISOString();
}

/** assigneesOf reads a task's assignees, from a v1 server's single assignee too. */
export function assigneesOf(t: Task): string[] {
  return t.assigneeIds ?? (t.assigneeId ? [t.assigneeId] : []);
}

/** ids splits a set field's value into its ids. */
export function ids(v: string): string[] {
  return v ? v.split(",") : [];
}

/** toggle adds id to a set field's value, or takes it out. */
export function toggle(v: string, id: string): string {
  const xs = ids(v);
  return (xs.includes(id) ? xs.filter((x) => x !== id) : [...xs, id]).join(",");
}

/** open starts a draft of t as it is now. */
export function open(t: Task): Draft {
  const v = valuesOf(t);
  return { base: v, version: t.version, mine: { ...v }, theirs: {} };
}

/** edit sets the dialog's value of one field. */
export function edit(d: Draft, f: Field, value: string): Draft {
  return { ...d, mine: { ...d.mine, [f]: value } };
}

/** changed reports whether the user changed f against what they last saw. */
export function changed(d: Draft, f: Field): boolean {
  return norm(f, d.mine[f]) !== norm(f, d.base[f]);
}

/** dirty reports whether the draft holds anything the user typed or picked and has not saved. */
export function dirty(d: Draft): boolean {
  return fields.some((f) => changed(d, f));
}

/** conflicts lists the fields both sides changed to different values, still to be resolved. */
export function conflicts(d: Draft): Field[] {
  return fields.filter((f) => d.theirs[f] !== undefined);
}

/**
 * merge brings the server's newer task into the draft. A field the user has not touched takes
 * the server's value; a field only the user changed keeps theirs; a field both changed to the
 * same value is settled; a field both changed differently becomes a conflict. A task that is not
 * newer than the draft changes nothing.
 */
export function merge(d: Draft, t: Task): Draft {
  if (t.version <= d.version && conflicts(d).length === 0) return d;
  const server = valuesOf(t);
  const base = { ...d.base };
  const mine = { ...d.mine };
  const theirs: Partial<Values> = {};
  for (const f of fields) {
    const s = server[f];
    if (norm(f, s) === norm(f, base[f])) continue;
    if (norm(f, mine[f]) === norm(f, base[f])) {
      mine[f] = s;
      base[f] = s;
    } else if (norm(f, mine[f]) === norm(f, s)) {
      base[f] = s;
    } else {
      theirs[f] = s;
    }
  }
  return { base, version: Math.max(d.version, t.version), mine, theirs };
}

/** resolve settles a conflict on f: keep the user's value, or take the other side's. */
export function resolve(d: Draft, f: Field, pick: "mine" | "theirs"): Draft {
  const other = d.theirs[f];
  if (other === undefined) return d;
  const theirs = { ...d.theirs };
  delete theirs[f];
  const mine = pick === "theirs" ? { ...d.mine, [f]: other } : d.mine;
  return { ...d, base: { ...d.base, [f]: other }, mine, theirs };
}

/** Changes is what a save sends: the task's fields the user changed, and the list they picked. */
export interface Changes extends TaskFields {
  listId?: string;
}

/** changes returns what the user changed against base, in the wire's shape. */
export function changes(d: Draft): Changes {
  const c: Changes = {};
  if (changed(d, "title")) c.title = d.mine.title.trim();
  if (changed(d, "description")) c.description = d.mine.description || null;
  if (changed(d, "assigneeIds")) c.assigneeIds = ids(d.mine.assigneeIds);
  if (changed(d, "labelIds")) c.labelIds = ids(d.mine.labelIds);
  if (changed(d, "dueAt")) c.dueAt = d.mine.dueAt || null;
  if (changed(d, "listId")) c.listId = d.mine.listId;
  return c;
}

/** fieldsOf gives values in the wire's shape: the base an edit is sent against. */
export function fieldsOf(v: Values): TaskFields {
  return {
    title: v.title,
    description: v.description || null,
    assigneeIds: ids(v.assigneeIds),
    labelIds: ids(v.labelIds),
    dueAt: v.dueAt || null,
  };
}

/** fromChanges rebuilds a draft from a save the server refused: base as sent, mine on top. */
export function fromChanges(base: Values, version: number, c: Changes): Draft {
  const mine = { ...base };
  if (c.title !== undefined) mine.title = c.title;
  if (c.description !== undefined) mine.description = c.description ?? "";
  if (c.assigneeIds !== undefined) mine.assigneeIds = c.assigneeIds.join(",");
  else if (c.assigneeId !== undefined) mine.assigneeIds = c.assigneeId ?? "";
  if (c.labelIds !== undefined) mine.labelIds = c.labelIds.join(",");
  if (c.dueAt !== undefined) mine.dueAt = c.dueAt ?? "";
  if (c.listId !== undefined) mine.listId = c.listId;
  return { base: { ...base }, version, mine, theirs: {} };
}

// norm compares values as the server stores them: a title is trimmed.
function norm(f: Field, v: string): string {
  return f === "title" ? v.trim() : v;
}
