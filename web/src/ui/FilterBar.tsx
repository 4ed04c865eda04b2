import type { Signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { me } from "../app";
import { active, noFilter, type DueFilter, type Filter } from "../filter";
import type { Label, Member } from "../types";
import { labelName } from "./badges";

const dues: [DueFilter, string][] = [
  ["", "Any due date"],
  ["overdue", "Overdue"],
  ["today", "Due today"],
  ["week", "Due in the next 7 days"],
  ["none", "No due date"],
];

/**
 * FilterBar narrows the board in place: words, labels, people, due dates. "/" anywhere on the
 * board focuses it; Escape in it clears it.
 */
export function FilterBar({ filter, labels, members, shown, total }: { filter: Signal<Filter>; labels: Label[]; members: Member[] | null; shown: number; total: number }) {
  const input = useRef<HTMLInputElement>(null);
  const f = filter.value;
  const set = (x: Partial<Filter>) => (filter.value = { ...filter.value, ...x });
  const flip = (xs: string[], x: string) => (xs.includes(x) ? xs.filter((y) => y !== x) : [...xs, x]);

  useEffect(() => {
    const slash = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement;
      if (t.closest("input, textarea, select, [contenteditable], dialog[open]")) return;
      e.preventDefault();
      input.current?.focus();
    };
    document.addEventListener("keydown", slash);
    return () => document.removeEventListener("keydown", slash);
  }, []);

  const on = active(f);
  return (
    <div class="filter-bar" role="search" aria-label="Filter cards" data-testid="filter-bar">
      <input
        ref={input}
        type="search"
        data-testid="filter-text"
        aria-label="Filter cards by words"
        aria-keyshortcuts="/"
        placeholder="Filter cards ( / )"
        value={f.text}
        onInput={(e) => set({ text: e.currentTarget.value })}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            filter.value = noFilter;
            e.currentTarget.blur();
          }
        }}
      />
      <details class="menu" data-testid="filter-labels">
        <summary>Labels{f.labels.length > 0 ? ` (${f.labels.length})` : ""}</summary>
        <div class="menu-items checks">
          {labels.length === 0 && <span class="muted">No labels on this board</span>}
          {labels.map((l) => (
            <label key={l.id}>
              <input type="checkbox" data-testid="filter-label" value={l.id} checked={f.labels.includes(l.id)} onChange={() => set({ labels: flip(filter.value.labels, l.id) })} />
              <span class={`swatch label-${l.color}`} aria-hidden="true" />
              {labelName(l)}
            </label>
          ))}
        </div>
      </details>
      <details class="menu" data-testid="filter-members">
        <summary>Members{f.members.length > 0 ? ` (${f.members.length})` : ""}</summary>
        <div class="menu-items checks">
          <label>
            <input type="checkbox" data-testid="filter-member" value="none" checked={f.members.includes("none")} onChange={() => set({ members: flip(filter.value.members, "none") })} />
            Nobody assigned
          </label>
          {(members ?? []).map((m) => (
            <label key={m.userId}>
              <input type="checkbox" data-testid="filter-member" value={m.userId} checked={f.members.includes(m.userId)} onChange={() => set({ members: flip(filter.value.members, m.userId) })} />
              {m.name}
              {m.userId === me.value?.id ? " (me)" : ""}
            </label>
          ))}
        </div>
      </details>
      <select aria-label="Filter by due date" data-testid="filter-due" value={f.due} onChange={(e) => set({ due: e.currentTarget.value as DueFilter })}>
        {dues.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      {on && (
        <>
          <span class="muted" data-testid="filter-count" role="status">
            {shown} of {total} cards
          </span>
          <button type="button" data-testid="filter-clear" onClick={() => (filter.value = noFilter)}>
            Clear filter
          </button>
        </>
      )}
    </div>
  );
}
