// The signed-in user and what lives as long as their session in this tab: the pending-change
// queue and the sender that drains it.

import { signal } from "@preact/signals";
import { ApiError, request, setUnauthorizedHandler } from "./api";
import { tabId } from "./ids";
import { notify } from "./notices";
import type { Op } from "./ops";
import { PendingQueue } from "./queue";
import { keepRefused } from "./refused";
import { Sender } from "./sender";
import type { User } from "./types";

/** me is the signed-in user: undefined while unknown, null when signed out. */
export const me = signal<User | null | undefined>(undefined);
/** reachable is false while the server cannot be reached. */
export const reachable = signal(true);

export interface UserSession {
  user: User;
  queue: PendingQueue;
  sender: Sender;
  /** ackedHooks lets an open board settle acknowledged ops. */
  onAcked: Set<(op: Op) => void>;
}

let current: UserSession | null = null;
let toucher: ReturnType<typeof setInterval> | undefined;

export function userSession(): UserSession | null {
  return current;
}

function begin(user: User): void {
  end();
  const queue = new PendingQueue(localStorage, user.id, tabId());
  const onAcked = new Set<(op: Op) => void>();
  const sender = new Sender(queue, request, {
    acked: (op) => onAcked.forEach((f) => f(op)),
    rejected: (op, err, removed) => {
      if (err.code === "precondition_failed" && keepRefused(op, err.current)) {
        notify(`${op.label} clashed with someone else's change: choose what to keep in the card.`, "info");
        return;
      }
      notify(rejection(op, err, removed.length - 1));
    },
    reachable: (ok) => (reachable.value = ok),
  });
  current = { user, queue, sender, onAcked };
  try {
    localStorage.setItem(lastUserKey, JSON.stringify(user));
  } catch {
    // storage full or denied: offline reloads start at the sign-in page
  }
  toucher = setInterval(() => queue.touch(), 5000);
  me.value = user;
  sender.kick();
}

function end(): void {
  current?.sender.stop();
  clearInterval(toucher);
  current = null;
}

function signedOut(): void {
  end();
  localStorage.removeItem(lastUserKey);
  me.value = null;
}

setUnauthorizedHandler(() => {
  if (me.value) notify("Your session ended. Please sign in again.", "info");
  signedOut();
});

/** init learns whether a session cookie is live. */
/** lastUserKey keeps the signed-in user, for a page loaded while the server cannot be reached. */
const lastUserKey = "taskboard.user";

export async function init(): Promise<void> {
  try {
    begin(await request<User>("GET", "/me"));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      localStorage.removeItem(lastUserKey);
      me.value = null;
      return;
    }
    // The server cannot be reached: go on as the user last signed in here, offline, with
    // their waiting changes; else show the sign-in page, which says so when used.
    const last = localStorage.getItem(lastUserKey);
    if (last) {
      reachable.value = false;
      begin(JSON.parse(last) as User);
    } else {
      me.value = null;
    }
  }
}

export async function login(email: string, password: string): Promise<void> {
  const s = await request<{ user: User }>("POST", "/auth/login", { email, password });
  begin(s.user);
}

export async function register(email: string, name: string, password: string): Promise<void> {
  const s = await request<{ user: User }>("POST", "/auth/register", { email, name, password });
  begin(s.user);
}

/** unsent counts the signed-in user's changes the server has not confirmed yet. */
export function unsent(): number {
  return current?.queue.all().filter((o) => !o.ack).length ?? 0;
}

/**
 * logout ends the session. Unsent changes stay on this device under the user's own key: they
 * are sent when the same user signs in again, never under another account.
 */
export async function logout(): Promise<void> {
  try {
    await request("POST", "/auth/logout");
  } finally {
    signedOut();
  }
}

/** rejection says what became of a change the server refused. */
export function rejection(op: Op, err: ApiError, dependents: number): string {
  const more = dependents > 0 ? ` (and ${dependents} change${dependents > 1 ? "s" : ""} that depended on it)` : "";
  switch (err.code) {
    case "forbidden":
      return `${op.label} was undone${more}: you can only view this board.`;
    case "not_found":
      return `${op.label} was undone${more}: it no longer exists.`;
    case "precondition_failed":
      return `${op.label} was undone: someone else changed it first. Showing their version.`;
    case "validation":
      return `${op.label} was undone${more}: ${err.message}.`;
    default:
      return `${op.label} failed${more}: ${err.message}.`;
  }
}
