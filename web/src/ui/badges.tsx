// The pieces a card and its dialog show: label chips, the due badge, people's avatars.

import { signal } from "@preact/signals";
import { fullTime, dueState, dueText, dueWords } from "../cards";
import type { Label, Member, Task } from "../types";
import { colorOf, initials } from "./people";

/** clock is the time badges are judged at, moved on every minute so "today" and "overdue" keep up. */
export const clock = signal(new Date());
setInterval(() => (clock.value = new Date()), 60_000);

/** labelName is how a label is named to people: its name, else its colour. */
export function labelName(l: Label): string {
  return l.name || l.color;
}

/** LabelChip is one label: its colour, and its name when it has one (always on hover). */
export function LabelChip({ label, small = false }: { label: Label; small?: boolean }) {
  return (
    <span class={`chip label-${label.color} ${small && !label.name ? "bare" : ""}`} title={labelName(label)} data-testid="label-chip" data-label-id={label.id}>
      {label.name || (small ? <span class="sr-only">{label.color}</span> : label.color)}
    </span>
  );
}

/** DueBadge shows a due date, coloured by how it stands. */
export function DueBadge({ task, now }: { task: Task; now: Date }) {
  const state = dueState(task, now);
  if (!state || !task.dueAt) return null;
  return (
    <span class={`due due-${state}`} data-testid="due-badge" data-due={state} title={`${dueWords[state]}: ${fullTime(task.dueAt)}`}>
      {dueText(task.dueAt, now)}
    </span>
  );
}

/** Avatars shows people as their initials, overlapping, up to max and then "+n". */
export function Avatars({ ids, members, max = 3 }: { ids: string[]; members: Member[] | null; max?: number }) {
  if (ids.length === 0) return null;
  const name = (id: string) => members?.find((m) => m.userId === id)?.name ?? id;
  const shown = ids.slice(0, ids.length > max ? max - 1 : max);
  return (
    <span class="avatars" data-testid="assignees">
      {shown.map((id) => (
        <span key={id} class="assignee" title={`Assigned to ${name(id)}`} data-user-id={id} style={{ background: colorOf(id) }}>
          {initials(name(id))}
        </span>
      ))}
      {ids.length > shown.length && <span class="assignee more">+{ids.length - shown.length}</span>}
    </span>
  );
}
