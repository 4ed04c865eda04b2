// The board's filter: which cards stay in view. Criteria combine with AND, as the server's
// filters do; within one criterion (several labels, several people) any one matches.

import { dueState, sameDay } from "./cards";
import { assigneesOf } from "./merge";
import type { Task } from "./types";

export type DueFilter = "" | "overdue" | "today" | "week" | "none";

export interface Filter {
  /** text is words that must each appear in the title, description or checklist. */
  text: string;
  labels: string[];
  /** members are user ids; "none" stands for cards nobody is assigned to. */
  members: string[];
  due: DueFilter;
}

export const noFilter: Filter = { text: "", labels: [], members: [], due: "" };

/** active reports whether f hides anything. */
export function active(f: Filter): boolean {
  return f.text.trim() !== "" || f.labels.length > 0 || f.members.length > 0 || f.due !== "";
}

const week = 7 * 24 * 3600 * 1000;

/** words splits a query into lower-case words. */
export function words(q: string): string[] {
  return q.toLowerCase().split(/\s+/).filter(Boolean);
}

/** matches reports whether t stays in view under f at now. */
export function matches(t: Task, f: Filter, now: Date): boolean {
  const ws = words(f.text);
  if (ws.length > 0) {
    const hay = [t.title, t.description ?? "", ...(t.checklist ?? []).map((i) => i.text)].join("\n").toLowerCase();
    if (!ws.every((w) => hay.includes(w))) return false;
  }
  if (f.labels.length > 0 && !f.labels.some((l) => t.labelIds?.includes(l))) return false;
  if (f.members.length > 0) {
    const who = assigneesOf(t);
    if (!f.members.some((m) => (m === "none" ? who.length === 0 : who.includes(m)))) return false;
  }
  if (f.due) {
    const due = t.dueAt ? new Date(t.dueAt) : null;
    switch (f.due) {
      case "none":
        return due === null;
      case "overdue":
        return due !== null && dueState(t, now) === "overdue";
      case "today":
        return due !== null && sameDay(due, now);
      case "week":
        return due !== null && due.getTime() >= now.getTime() && due.getTime() - now.getTime() <= week;
    }
  }
  return true;
}

/** apply returns the tasks that stay in view; the same array when nothing is filtered. */
export function apply(tasks: Task[], f: Filter, now: Date): Task[] {
  return active(f) ? tasks.filter((t) => matches(t, f, now)) : tasks;
}
