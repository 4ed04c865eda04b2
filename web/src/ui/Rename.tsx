import { useEffect, useRef, useState } from "preact/hooks";

interface RenameProps {
  /** id and label name the input for assistive technology. */
  id: string;
  label: string;
  /** current is the name as the board shows it now, live. */
  current: string;
  /** changedBy names who renamed it last, for a conflict. */
  changedBy: () => string;
  save(name: string): void;
  done(): void;
}

/**
 * Rename edits a list's or board's name in place: Enter or leaving the field saves, Esc
 * cancels. When someone else renamed it after editing began, saving asks which name to keep
 * rather than overwriting theirs: lists and boards carry no version, so the check is against
 * the name the editor started from.
 */
export function Rename({ id, label, current, changedBy, save, done }: RenameProps) {
  const from = useRef(current);
  const input = useRef<HTMLInputElement>(null);
  const [clash, setClash] = useState<string | null>(null);

  useEffect(() => input.current?.select(), []);

  function commit() {
    if (clash !== null) return;
    const name = input.current?.value.trim() ?? "";
    // An empty or untouched name saves nothing: not even over a rename made meanwhile.
    if (!name || name === from.current) return done();
    if (current !== from.current && name !== current) return setClash(name);
    if (name !== current) save(name);
    done();
  }

  return (
    <form
      class="rename"
      onSubmit={(e) => {
        e.preventDefault();
        commit();
      }}
    >
      <label class="sr-only" for={id}>
        {label}
      </label>
      <input
        id={id}
        name="name"
        data-testid="rename-input"
        ref={input}
        defaultValue={from.current}
        maxLength={100}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            done();
          }
        }}
        onBlur={(e) => {
          // Moving to the conflict's own buttons is not leaving the field.
          if (!(e.relatedTarget instanceof Node && e.currentTarget.form?.contains(e.relatedTarget))) commit();
        }}
      />
      {clash !== null && (
        <div class="conflict" role="group" aria-label="Rename conflict" data-testid="rename-conflict">
          <span>
            {changedBy()} renamed it to “{current}” meanwhile.
          </span>
          <button type="button" data-testid="keep-mine" onClick={() => { save(clash); done(); }}>
            Keep “{clash}”
          </button>
          <button type="button" data-testid="use-theirs" onClick={done}>
            Use “{current}”
          </button>
        </div>
      )}
    </form>
  );
}
