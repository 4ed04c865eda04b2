import { useState } from "preact/hooks";
import { IconClose } from "./icons";
import { logout, me, unsent } from "../app";
import { act, dismiss, notices } from "../notices";
import { boardIdOf, onLink, path } from "../router";
import { announcement } from "./announce";
import { BoardPage } from "./BoardPage";
import { Boards } from "./Boards";
import { Login } from "./Login";
import { Settings } from "./Settings";

export function App() {
  const user = me.value;
  const [leaving, setLeaving] = useState(0);
  const boardId = boardIdOf(path.value);
  let page;
  if (user === undefined) page = <p class="loading">Loading…</p>;
  else if (user === null) page = <Login />;
  else if (boardId) page = <BoardPage key={boardId} boardId={boardId} />;
  else page = path.value === "/settings" ? <Settings /> : <Boards />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/" onClick={onLink}>
          <img src="/favicon.svg" alt="" width={22} height={22} />
          taskboard
        </a>
        {user && (
          <div class="account">
            <a class="who" href="/settings" onClick={onLink} title={`${user.email}: settings`} data-testid="settings-link">
              {user.name}
            </a>
            <button
              type="button"
              class="link"
              data-testid="sign-out"
              onClick={() => {
                const n = unsent();
                if (n > 0) setLeaving(n);
                else void logout();
              }}
            >
              Sign out
            </button>
          </div>
        )}
        {user && leaving > 0 && (
          <div class="signout-warning" role="alertdialog" aria-labelledby="signout-text" data-testid="signout-warning">
            <p id="signout-text">
              {leaving} {leaving === 1 ? "change is" : "changes are"} not saved on the server yet. They stay on this device and are
              sent when you sign in again as {user.name}.
            </p>
            <button type="button" autoFocus onClick={() => setLeaving(0)}>
              Stay signed in
            </button>
            <button
              type="button"
              class="danger"
              data-testid="sign-out-anyway"
              onClick={() => {
                setLeaving(0);
                void logout();
              }}
            >
              Sign out anyway
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
      <Notices />
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {announcement.value}
      </div>
    </>
  );
}

function Notices() {
  return (
    <div class="notices" role="status" aria-live="polite">
      {notices.value.map((n) => (
        <div key={n.id} class={`notice ${n.kind}`} data-testid="notice">
          <span>{n.text}</span>
          {n.action && (
            <button type="button" class="undo" data-testid="notice-action" onClick={() => act(n)}>
              {n.action.label}
            </button>
          )}
          <button type="button" class="close" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            <IconClose />
          </button>
        </div>
      ))}
    </div>
  );
}
