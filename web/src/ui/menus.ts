// Menus are <details class="menu"> elements. One is open at a time, and an open one closes on
// a click outside it or on Escape (focus goes back to its button).

let installed = false;

/** installMenus wires the document's menus once. */
export function installMenus(): void {
  if (installed) return;
  installed = true;
  const open = () => [...document.querySelectorAll<HTMLDetailsElement>("details.menu[open]")];
  document.addEventListener(
    "toggle",
    (e) => {
      const d = e.target;
      if (d instanceof HTMLDetailsElement && d.classList.contains("menu") && d.open) {
        for (const other of open()) if (other !== d) other.open = false;
      }
    },
    true,
  );
  document.addEventListener("pointerdown", (e) => {
    for (const d of open()) if (!d.contains(e.target as Node)) d.open = false;
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    for (const d of open()) {
      d.open = false;
      d.querySelector("summary")?.focus();
      e.preventDefault();
    }
  });
}
