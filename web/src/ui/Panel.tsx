import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import { IconClose } from "./icons";

/**
 * Panel is a side panel of the board (archived cards, activity): below the board's bar, whose
 * height depends on the width, so that it never covers the bar's buttons; Escape closes it.
 */
export function Panel({ id, title, testId, onClose, children }: { id: string; title: string; testId: string; onClose: () => void; children: ComponentChildren }) {
  const [top, setTop] = useState<number | undefined>(undefined);
  useLayoutEffect(() => {
    const bar = document.querySelector(".board-bar");
    if (!bar) return;
    const place = () => setTop(Math.max(0, bar.getBoundingClientRect().bottom));
    place();
    const observer = new ResizeObserver(place);
    observer.observe(bar);
    window.addEventListener("resize", place);
    return () => {
      observer.disconnect();
      window.removeEventListener("resize", place);
    };
  }, []);
  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === "Escape" && !document.querySelector("dialog[open]") && onClose();
    window.addEventListener("keydown", esc);
    return () => window.removeEventListener("keydown", esc);
  }, [onClose]);
  return (
    <aside id={id} class="members panel" style={top === undefined ? undefined : { top: `${top}px` }} aria-labelledby={`${id}-title`} data-testid={testId}>
      <header>
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" class="icon" aria-label={`Close ${title.toLowerCase()}`} onClick={onClose}>
          <IconClose />
        </button>
      </header>
      {children}
    </aside>
  );
}
