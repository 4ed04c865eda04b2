// Markdown, rendered by micromark: CommonMark, small, and safe by default. Raw HTML in the text
// is shown as text, never parsed, and links with javascript: or other unsafe protocols lose
// their href, so what a colleague writes cannot run in anyone's page. It is loaded on first use,
// as a chunk of its own: a board that nobody opens a card on never downloads it.

import { useEffect, useState } from "preact/hooks";

type Render = (md: string) => string;

let render: Render | null = null;
let loading: Promise<Render> | null = null;

function load(): Promise<Render> {
  loading ??= import("micromark").then((m) => (render = (s: string) => m.micromark(s)));
  return loading;
}

/** Markdown shows text rendered as Markdown; as plain text until the renderer is loaded, or if it cannot be. */
export function Markdown({ text, class: cls = "" }: { text: string; class?: string }) {
  const [ready, setReady] = useState(render !== null);
  useEffect(() => {
    if (ready) return;
    let live = true;
    load().then(
      () => live && setReady(true),
      () => {
        loading = null; // offline: try again next time
      },
    );
    return () => {
      live = false;
    };
  }, [ready]);
  if (!ready || !render) return <div class={`md plain ${cls}`}>{text}</div>;
  return <div class={`md ${cls}`} dangerouslySetInnerHTML={{ __html: render(text) }} />;
}
