// What a card's badges say: how far its checklist is, and how its due date stands. Pure, so
// that the classification is tested without a page and every card computes it the same way.

import type { Task } from "./types";

/** progress returns how many checklist items of t are done, of how many. */
export function progress(t: Task): { done: number; total: number } {
  const items = t.checklist ?? [];
  return { done: items.filter((i) => i.done).length, total: items.length };
}

/**
 * DueState is how a due date stands: "done" once the card's checklist is complete, "overdue"
 * past it, "today" on its day, "later" before, null without one.
 */
export type DueState = "done" | "overdue" | "today" | "later" | null;

/** dueState classifies t's due date at now, on the local calendar. */
export function dueState(t: Task, now: Date): DueState {
  if (!t.dueAt) return null;
  const due = new Date(t.dueAt);
  if (Number.isNaN(due.getTime())) return null;
  const p = progress(t);
  if (p.total > 0 && p.done === p.total) return "done";
  if (due.getTime() < now.getTime()) return "overdue";
  return sameDay(due, now) ? "today" : "later";
}

export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const yearFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", year: "numeric" });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

// Formatters are made once: Date's toLocale…String builds one on every call, which on a board
// of thousands of cards costs more than rendering them.
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const longDayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "long" });

/** fullTime is a time in full, for tooltips: "Dec 5, 2026, 5:00 PM". */
export function fullTime(at: string): string {
  return fullFmt.format(new Date(at));
}

/** longDay is a time's day, for accessible names: "December 5, 2026". */
export function longDay(at: string): string {
  return longDayFmt.format(new Date(at));
}

/** dueText is a due date as a badge shows it: "Today 17:00", "Dec 5", "Dec 5, 2027". */
export function dueText(dueAt: string, now: Date): string {
  const d = new Date(dueAt);
  if (sameDay(d, now)) return `Today ${timeFmt.format(d)}`;
  return d.getFullYear() === now.getFullYear() ? dayFmt.format(d) : yearFmt.format(d);
}

/** dueWords names a due state for screen readers and tooltips. */
export const dueWords: Record<Exclude<DueState, null>, string> = {
  done: "due, checklist complete",
  overdue: "overdue",
  today: "due today",
  later: "due",
};

/** localInput turns an RFC 3339 time into a datetime-local input's value, on the local clock. */
export function localInput(dueAt: string): string {
  if (!dueAt) return "";
  const d = new Date(dueAt);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** fromLocalInput turns a datetime-local input's value (local clock) into RFC 3339 UTC, "" for none. */
export function fromLocalInput(v: string): string {
  if (!v) return "";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

/**
 * nextDueChange returns how many milliseconds after now some card's due badge changes: a due
 * time passing, a due day starting, or the next local midnight (a "Today" badge becomes a date).
 * Badges are judged again only then, not every minute: on a board of thousands of cards,
 * judging them all again is a frame's work.
 */
export function nextDueChange(tasks: readonly Task[], now: Date): number {
  const t = now.getTime();
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime();
  let next = midnight;
  for (const task of tasks) {
    if (!task.dueAt) continue;
    const due = new Date(task.dueAt);
    const at = due.getTime();
    if (at > t && at < next) next = at;
    const day = new Date(due.getFullYear(), due.getMonth(), due.getDate()).getTime();
    if (day > t && day < next) next = day;
  }
  return next - t;
}
