// Drag and drop of cards with pointer events (mouse and pen; on touch screens the card's
// dialog moves it): a press that travels a few pixels lifts the card, a ghost follows the
// pointer, the list and slot under it are the drop target, and the release moves the card.

import { signal } from "@preact/signals";

export interface Drag {
  taskId: string;
  title: string;
  /** x, y: the ghost's top-left corner, in viewport pixels. */
  x: number;
  y: number;
  width: number;
  /** target: the list and final index the card would go to, if dropped now. */
  target: { listId: string; index: number } | null;
}

export const drag = signal<Drag | null>(null);

/** threshold is how far a press travels before it becomes a drag, in pixels. */
const threshold = 5;

/**
 * startPress watches a press on a card. onClick runs if it ends without travelling; onDrop
 * runs if it ends as a drag over a list.
 */
export function startPress(
  e: PointerEvent,
  card: HTMLElement,
  taskId: string,
  title: string,
  onDrop: (listId: string, index: number) => void,
): void {
  if (e.button !== 0 || e.pointerType === "touch") return;
  const rect = card.getBoundingClientRect();
  const dx = e.clientX - rect.left;
  const dy = e.clientY - rect.top;
  const sx = e.clientX;
  const sy = e.clientY;
  let dragging = false;

  const move = (ev: PointerEvent) => {
    if (!dragging) {
      if (Math.hypot(ev.clientX - sx, ev.clientY - sy) < threshold) return;
      dragging = true;
      document.body.classList.add("dragging");
    }
    ev.preventDefault();
    drag.value = {
      taskId,
      title,
      x: ev.clientX - dx,
      y: ev.clientY - dy,
      width: rect.width,
      target: targetAt(ev.clientX, ev.clientY, taskId),
    };
  };
  const end = (ev: PointerEvent) => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", end);
    window.removeEventListener("pointercancel", cancel);
    if (!dragging) return;
    document.body.classList.remove("dragging");
    const t = targetAt(ev.clientX, ev.clientY, taskId);
    drag.value = null;
    if (t) onDrop(t.listId, t.index);
    // The click that follows a drag is not a click on the card.
    window.addEventListener("click", swallow, { capture: true, once: true });
    setTimeout(() => window.removeEventListener("click", swallow, { capture: true }), 0);
  };
  const cancel = () => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", end);
    window.removeEventListener("pointercancel", cancel);
    document.body.classList.remove("dragging");
    drag.value = null;
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", end);
  window.addEventListener("pointercancel", cancel);
}

function swallow(e: Event): void {
  e.stopPropagation();
  e.preventDefault();
}

/** targetAt finds the list under a point and the index among its other cards there. */
function targetAt(x: number, y: number, taskId: string): Drag["target"] {
  const list = document.elementsFromPoint(x, y).find((el) => el instanceof HTMLElement && el.dataset.testid === "list") as
    | HTMLElement
    | undefined;
  const listId = list?.dataset.listId;
  if (!list || !listId) return null;
  const cards = Array.from(list.querySelectorAll<HTMLElement>("[data-testid=task-card]")).filter(
    (c) => c.dataset.taskId !== taskId,
  );
  let index = cards.length;
  for (let i = 0; i < cards.length; i++) {
    const r = cards[i].getBoundingClientRect();
    if (y < r.top + r.height / 2) {
      index = i;
      break;
    }
  }
  return { listId, index };
}
