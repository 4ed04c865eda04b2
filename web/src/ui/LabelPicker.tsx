import { useState } from "preact/hooks";
import type { BoardSession } from "../boardSession";
import { ids, toggle } from "../merge";
import { labelColors, type Label, type LabelColor } from "../types";
import { labelName } from "./badges";
import { IconClose } from "./icons";

/**
 * LabelPicker picks a card's labels among the board's (value: their ids joined by commas), and
 * lets an editor create a label, rename or recolour one, or delete it from the board.
 */
export function LabelPicker({ session, labels, value, onChange, readOnly }: { session: BoardSession; labels: Label[]; value: string; onChange: (v: string) => void; readOnly: boolean }) {
  const [name, setName] = useState("");
  const [color, setColor] = useState<LabelColor>("green");
  const on = ids(value);

  async function create() {
    const l = await session.createLabel(name, color);
    if (!l) return;
    setName("");
    onChange(toggle(value, l.id));
  }

  return (
    <fieldset class="labels-field" data-testid="task-labels">
      <legend>Labels</legend>
      <div class="chips pick">
        {labels.length === 0 && <span class="muted">No labels yet.</span>}
        {labels.map((l) => (
          <button
            key={l.id}
            type="button"
            class={`chip label-${l.color} ${on.includes(l.id) ? "on" : ""}`}
            aria-pressed={on.includes(l.id)}
            disabled={readOnly}
            data-testid="label-option"
            data-label-id={l.id}
            onClick={() => onChange(toggle(value, l.id))}
          >
            {labelName(l)}
          </button>
        ))}
      </div>
      {!readOnly && (
        <details class="edit-labels">
          <summary>Create or edit labels</summary>
          <div class="stack">
            <div class="inline new-label">
              <input
                aria-label="New label name"
                data-testid="label-new-name"
                placeholder="Name (optional)"
                maxLength={50}
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    void create();
                  }
                }}
              />
              <ColorSelect label="New label colour" value={color} onChange={setColor} testId="label-new-color" />
              <button type="button" data-testid="label-create" onClick={() => void create()}>
                Create
              </button>
            </div>
            <ul class="label-edit-list">
              {labels.map((l) => (
                <li key={l.id} data-testid="label-edit" data-label-id={l.id}>
                  <span class={`swatch label-${l.color}`} aria-hidden="true" />
                  <input
                    key={l.name}
                    aria-label={`Name of label ${labelName(l)}`}
                    defaultValue={l.name}
                    maxLength={50}
                    onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), e.currentTarget.blur())}
                    onBlur={(e) => e.currentTarget.value.trim() !== l.name && void session.updateLabel(l, { name: e.currentTarget.value.trim() })}
                  />
                  <ColorSelect label={`Colour of label ${labelName(l)}`} value={l.color} onChange={(c) => void session.updateLabel(l, { color: c })} testId="label-color" />
                  <button
                    type="button"
                    class="icon danger"
                    aria-label={`Delete label ${labelName(l)}`}
                    onClick={() => confirm(`Delete the label “${labelName(l)}” from the board and every card?`) && void session.deleteLabel(l)}
                  >
                    <IconClose />
                  </button>
                </li>
              ))}
            </ul>
          </div>
        </details>
      )}
    </fieldset>
  );
}

function ColorSelect({ label, value, onChange, testId }: { label: string; value: LabelColor; onChange: (c: LabelColor) => void; testId: string }) {
  return (
    <select aria-label={label} data-testid={testId} value={value} onChange={(e) => onChange(e.currentTarget.value as LabelColor)}>
      {labelColors.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  );
}
