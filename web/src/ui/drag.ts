// Drag and drop of cards with pointer events: a press that travels a few pixels (a mouse, a
// pen) or rests a moment (a finger) lifts the card, a ghost follows the pointer, the list and
// slot under it are the drop target (a gap opens there), holding it near an edge scrolls, and
// the release moves the card.

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
/** longPress is how long a finger rests on a card before it lifts it, in milliseconds. */
export const longPress = 400;
/** edge is how close to a scrolling area's edge the pointer scrolls it while dragging, in pixels. */
const edge = 48;

/**
 * startPress watches a press on a card. onClick runs if it ends without travelling; onDrop
 * runs if it ends as a drag over a list. A mouse or pen lifts the card once it travels; a finger
 * must rest on it first (a long press), so that a swipe still scrolls the board. While a card is
 * lifted, holding it near the board's or a list's edge scrolls that way.
 */
export function startPress(
  e: PointerEvent,
  card: HTMLElement,
  taskId: string,
  title: string,
  onDrop: (listId: string, index: number) => void,
): void {
  if (e.button !== 0) return;
  const touch = e.pointerType === "touch";
  const rect = card.getBoundingClientRect();
  const dx = e.clientX - rect.left;
  const dy = e.clientY - rect.top;
  const sx = e.clientX;
  const sy = e.clientY;
  let dragging = false;
  let at = { x: e.clientX, y: e.clientY };
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const show = () => {
    drag.value = { taskId, title, x: at.x - dx, y: at.y - dy, width: rect.width, target: targetAt(at.x, at.y, taskId) };
  };
  const lift = () => {
    dragging = true;
    document.body.classList.add("dragging");
    show();
    frame = requestAnimationFrame(scroll);
  };
  const scroll = () => {
    if (scrollNear(at.x, at.y)) show();
    frame = requestAnimationFrame(scroll);
  };
  const move = (ev: PointerEvent) => {
    at = { x: ev.clientX, y: ev.clientY };
    if (!dragging) {
      if (Math.hypot(ev.clientX - sx, ev.clientY - sy) < threshold) return;
      if (touch) return stop(); // a swipe before the long press: the page scrolls
      lift();
    }
    ev.preventDefault();
    show();
  };
  const stop = () => {
    clearTimeout(timer);
    cancelAnimationFrame(frame);
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", end);
    window.removeEventListener("pointercancel", cancel);
    window.removeEventListener("contextmenu", swallow, { capture: true });
    document.body.classList.remove("dragging");
  };
  const end = (ev: PointerEvent) => {
    stop();
    if (!dragging) return;
    const t = targetAt(ev.clientX, ev.clientY, taskId);
    drag.value = null;
    if (t) onDrop(t.listId, t.index);
    // The click that follows a drag is not a click on the card.
    window.addEventListener("click", swallow, { capture: true, once: true });
    setTimeout(() => window.removeEventListener("click", swallow, { capture: true }), 0);
  };
  const cancel = () => {
    stop();
    drag.value = null;
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", end);
  window.addEventListener("pointercancel", cancel);
  if (touch) {
    // A long press is the lift, not the browser's context menu (which would cancel the touch).
    window.addEventListener("contextmenu", swallow, { capture: true, once: true });
    timer = setTimeout(lift, longPress);
  }
}

/**
 * scrollNear scrolls the board sideways, or the list under the point up or down, when the point
 * is near that area's edge; it reports whether anything scrolled.
 */
function scrollNear(x: number, y: number): boolean {
  let moved = false;
  const step = (d: number) => Math.ceil(((edge - d) / edge) * 20);
  const canvas = document.querySelector<HTMLElement>(".canvas");
  if (canvas) {
    const r = canvas.getBoundingClientRect();
    const before = canvas.scrollLeft;
    if (x < r.left + edge) canvas.scrollLeft -= step(x - r.left);
    else if (x > r.right - edge) canvas.scrollLeft += step(r.right - x);
    moved ||= canvas.scrollLeft !== before;
  }
  const cards = document
    .elementsFromPoint(x, y)
    .find((el): el is HTMLElement => el instanceof HTMLElement && el.classList.contains("cards"));
  if (cards) {
    const r = cards.getBoundingClientRect();
    const before = cards.scrollTop;
    if (y < r.top + edge) cards.scrollTop -= step(y - r.top);
    else if (y > r.bottom - edge) cards.scrollTop += step(r.bottom - y);
    moved ||= cards.scrollTop !== before;
  }
  return moved;
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

/**
 * holdStillWhileLifted keeps a finger that moves a lifted card from scrolling el. The browser
 * decides whether a touch may scroll before the page hears of it, from the listeners already
 * there, so this one is there for good, and acts only while a card is lifted.
 */
export function holdStillWhileLifted(el: HTMLElement): () => void {
  const hold = (e: TouchEvent) => {
    if (drag.value && e.cancelable) e.preventDefault();
  };
  el.addEventListener("touchmove", hold, { passive: false });
  return () => el.removeEventListener("touchmove", hold);
}
