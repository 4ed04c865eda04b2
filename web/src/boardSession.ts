// A board page's session: its store, its live connection, its collaborators, and the actions
// the views call. Every change is optimistic: it joins the pending queue, shows at once, and
// the sender takes it to the server.

import { signal } from "@preact/signals";
import { ApiError, NetworkError, request } from "./api";
import { me, reachable, type UserSession } from "./app";
import { Collab } from "./collab";
import { randomId } from "./ids";
import { Connection, type Reachability } from "./live/connection";
import { startLongPoll, startShortPoll } from "./live/poll";
import { startSSE } from "./live/sse";
import type { TransportName } from "./live/transport";
import { chain } from "./live/transport";
import { startWebSocket } from "./live/ws";
import { notify } from "./notices";
import { fieldsOf, valuesOf, type Changes, type Values } from "./merge";
import { tempPrefix, type Op } from "./ops";
import { putLabel, tasksOf } from "./state";
import { BoardStore } from "./store";
import type { BoardEvent, ChecklistItem, Comment, Label, LabelColor, Member, Snapshot, Task } from "./types";

const enc = encodeURIComponent;
const quote = (s: string) => `“${s.length > 40 ? s.slice(0, 39) + "…" : s}”`;

async function probe(): Promise<Reachability> {
  try {
    await request("GET", "/me");
    reachable.value = true;
    return "ok";
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return "unauthorized";
    if (e instanceof NetworkError) {
      reachable.value = false;
      return "offline";
    }
    return "ok";
  }
}

/** forcedTransport reads ?transport= (websocket, sse, longpoll, poll), for trying one out. */
function forcedTransport(): TransportName | null {
  const t = new URLSearchParams(location.search).get("transport");
  return t && (chain as readonly string[]).includes(t) ? (t as TransportName) : null;
}

export class BoardSession {
  readonly store: BoardStore;
  readonly conn: Connection;
  readonly collab: Collab;
  /** members is the board's members, or null when the server does not list them. */
  readonly membersAvailable = signal<boolean | null>(null);
  private readonly onAcked = () => this.store.acked();
  private readonly onOnline = () => this.conn.online();
  private readonly onOffline = () => this.conn.offline();

  constructor(
    readonly boardId: string,
    private readonly user: UserSession,
  ) {
    this.store = new BoardStore(boardId, {
      queue: user.queue,
      userId: user.user.id,
      getSnapshot: (id) => request<Snapshot>("GET", `/boards/${encodeURIComponent(id)}`),
      getMembers: (id) => this.fetchMembers(id),
    });
    // Viewers may not send typing or cursors (the server answers each with an error frame).
    this.collab = new Collab(boardId, user.user.id, (m) => this.store.view.value?.board.role !== "viewer" && this.conn.send(m));
    this.conn = new Connection(boardId, {
      starts: { websocket: startWebSocket, sse: startSSE, longpoll: startLongPoll, poll: startShortPoll },
      lastSeq: () => this.store.seq,
      event: (ev) => this.store.receive(ev),
      resync: () => void this.store.load().catch(() => {}),
      collab: (m) => this.collab.receive(m),
      opened: () => {
        reachable.value = true;
        user.sender.kick();
      },
      dropped: () => this.collab.dropped(),
      fatal: (f) => {
        if (f === "unauthorized") me.value = null;
        else this.store.gone.value = "You no longer have access to this board.";
      },
      probe,
    });
  }

  /** start loads the board, then goes live. It rejects when the board cannot be loaded. */
  async start(): Promise<void> {
    this.user.onAcked.add(this.onAcked);
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.collab.start();
    await this.store.load();
    const forced = forcedTransport();
    const order = forced ? [forced] : chain;
    this.conn.setOrder(order);
    if (navigator.onLine === false) this.conn.offline();
    else this.conn.start();
  }

  stop(): void {
    this.user.onAcked.delete(this.onAcked);
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    this.conn.stop();
    this.collab.stop();
    this.store.dispose();
  }

  private async fetchMembers(id: string): Promise<Member[] | null> {
    try {
      const r = await request<{ data: Member[] } | Member[]>("GET", `/boards/${encodeURIComponent(id)}/members`);
      this.membersAvailable.value = true;
      return Array.isArray(r) ? r : r.data;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) this.membersAvailable.value = false;
      return null;
    }
  }

  /** resolve returns the server's id of a task created here, once known. */
  resolve(id: string): string {
    return this.user.queue.resolve(id);
  }

  private push(op: Op): void {
    this.user.queue.add(op);
    this.user.sender.kick();
  }

  private task(id: string): Task | undefined {
    return this.store.view.value?.tasks.find((t) => t.id === id);
  }

  /** createTask adds a task at the end of listId; extra fills its other fields at once. */
  createTask(
    listId: string,
    title: string,
    extra: { description?: string | null; assigneeId?: string | null; assigneeIds?: string[]; labelIds?: string[]; dueAt?: string | null } = {},
  ): void {
    const t = title.trim();
    if (!t) return;
    this.push({
      kind: "createTask",
      id: randomId("m-"),
      boardId: this.boardId,
      label: `Adding ${quote(t)}`,
      tempId: randomId(tempPrefix),
      listId,
      title: t,
      ...(extra.description ? { description: extra.description } : {}),
      ...(extra.assigneeId ? { assigneeId: extra.assigneeId } : {}),
      ...(extra.assigneeIds?.length ? { assigneeIds: extra.assigneeIds } : {}),
      ...(extra.labelIds?.length ? { labelIds: extra.labelIds } : {}),
      ...(extra.dueAt ? { dueAt: extra.dueAt } : {}),
    });
  }

  /**
   * saveTask sends what the card dialog changed (see merge.ts): only those fields, against the
   * values and version the user saw, so a concurrent change to another field survives and one
   * to the same field answers 412 rather than being overwritten. A list the user picked moves
   * the card to its end.
   */
  saveTask(taskId: string, changes: Changes, base: Values, version: number): void {
    const t = this.task(taskId);
    if (!t) return;
    const { listId, ...fields } = changes;
    if (Object.keys(fields).length > 0) {
      this.push({
        kind: "updateTask",
        id: randomId("m-"),
        boardId: this.boardId,
        label: `Editing ${quote(t.title)}`,
        taskId,
        fields,
        base: fieldsOf(base),
        baseVersion: version,
      });
    }
    if (listId !== undefined && listId !== t.listId) {
      const end = this.store.view.value ? tasksOf(this.store.view.value, listId).length : 0;
      this.moveTask(taskId, listId, end, true);
    }
  }

  /** setFields changes some fields of a task at once (a label picked on the card, say). */
  setFields(taskId: string, fields: Changes): void {
    const t = this.task(taskId);
    if (!t) return;
    this.push({
      kind: "updateTask",
      id: randomId("m-"),
      boardId: this.boardId,
      label: `Editing ${quote(t.title)}`,
      taskId,
      fields,
      base: fieldsOf(valuesOf(t)),
      baseVersion: t.version,
    });
  }

  /** nameOf names a user for notices: a member's or viewer's name, else "someone". */
  nameOf(userId: string | undefined): string {
    if (!userId) return "Someone";
    if (userId === this.user.user.id) return "You, in another tab,";
    const m = this.store.view.value?.members?.find((x) => x.userId === userId) ?? this.collab.viewers.value.find((x) => x.userId === userId);
    return m?.name ?? "Someone";
  }

  /**
   * moveTask moves a task to position in listId (its final index there); it reports whether
   * that moves anything. An undoable move offers "Undo" for a few seconds.
   */
  moveTask(taskId: string, listId: string, position: number, undoable = false): boolean {
    const t = this.task(taskId);
    const v = this.store.view.value;
    if (!t || !v) return false;
    const max = tasksOf(v, listId).filter((x) => x.id !== taskId).length;
    const pos = Math.max(0, Math.min(position, max));
    if (t.listId === listId && t.position === pos) return false;
    this.push({
      kind: "moveTask",
      id: randomId("m-"),
      boardId: this.boardId,
      label: `Moving ${quote(t.title)}`,
      taskId,
      listId,
      position: pos,
    });
    if (undoable) {
      const from = { listId: t.listId, position: t.position };
      const to = this.store.view.value?.lists.find((l) => l.id === listId)?.name ?? "another list";
      notify(`Moved ${quote(t.title)} to ${to}.`, "info", {
        label: "Undo",
        run: () => void this.moveTask(this.resolve(taskId), from.listId, from.position),
      });
    }
    return true;
  }

  /** archiveTask takes a card off the board, keeping it (and its comments) among the archived; "Undo" puts it back. */
  archiveTask(taskId: string): void {
    const t = this.task(taskId);
    if (!t) return;
    this.push({ kind: "archiveTask", id: randomId("m-"), boardId: this.boardId, label: `Archiving ${quote(t.title)}`, taskId });
    notify(`Archived ${quote(t.title)}.`, "info", { label: "Undo", run: () => this.restoreTask(t, t.listId, t.position) });
  }

  /** restoreTask puts an archived card back at position in listId. */
  restoreTask(task: Task, listId: string, position: number): void {
    const id = this.resolve(task.id);
    this.push({
      kind: "restoreTask",
      id: randomId("m-"),
      boardId: this.boardId,
      label: `Restoring ${quote(task.title)}`,
      taskId: id,
      task: { ...task, id },
      listId,
      position,
    });
  }

  /** deleteArchived deletes an archived card for good, straight to the server. */
  async deleteArchived(task: Task): Promise<boolean> {
    return this.call(`Deleting ${quote(task.title)}`, () => request("DELETE", `/tasks/${enc(task.id)}`)).then((r) => r !== undefined);
  }

  /** archived lists the board's archived cards. */
  async archived(): Promise<Task[]> {
    const r = await request<{ data: Task[] }>("GET", `/boards/${enc(this.boardId)}/tasks?archived=true`);
    return r.data.filter((t) => t.archivedAt);
  }

  // Labels, checklists and comments go straight to the server (they are not queued offline);
  // their events bring the result to every page, this one included. A failure says so.

  /** call runs one request, with a notice if it fails; it resolves to undefined then. */
  private async call<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      return (await f()) ?? (true as T);
    } catch (e) {
      notify(`${what} failed: ${e instanceof NetworkError ? "the server cannot be reached" : (e as Error).message}.`);
      return undefined;
    }
  }

  async createLabel(name: string, color: LabelColor): Promise<Label | undefined> {
    const l = await this.call(`Creating the label ${quote(name || color)}`, () =>
      request<Label>("POST", `/boards/${enc(this.boardId)}/labels`, { name: name.trim(), color }),
    );
    const c = this.store.confirmed.value;
    // Shown at once: its event, when it comes, puts the same label in the same place.
    if (l && c) this.store.confirmed.value = putLabel(c, l);
    return l;
  }

  async updateLabel(label: Label, patch: { name?: string; color?: LabelColor }): Promise<void> {
    const l = await this.call(`Changing the label ${quote(label.name || label.color)}`, () => request<Label>("PATCH", `/labels/${enc(label.id)}`, patch));
    const c = this.store.confirmed.value;
    if (l && c) this.store.confirmed.value = putLabel(c, l);
  }

  async deleteLabel(label: Label): Promise<void> {
    await this.call(`Deleting the label ${quote(label.name || label.color)}`, () => request("DELETE", `/labels/${enc(label.id)}`));
  }

  addItem(taskId: string, text: string, position?: number): Promise<ChecklistItem | undefined> {
    return this.call("Adding to the checklist", () => request<ChecklistItem>("POST", `/tasks/${enc(taskId)}/checklist`, { text: text.trim(), position }));
  }

  updateItem(itemId: string, patch: { text?: string; done?: boolean; position?: number }): Promise<ChecklistItem | undefined> {
    return this.call("Changing the checklist", () => request<ChecklistItem>("PATCH", `/checklist/${enc(itemId)}`, patch));
  }

  deleteItem(itemId: string): Promise<unknown> {
    return this.call("Deleting from the checklist", () => request("DELETE", `/checklist/${enc(itemId)}`));
  }

  /** comments returns a page of a task's comments, oldest first, and where the older ones start. */
  comments(taskId: string, before?: string): Promise<{ data: Comment[]; next: string | null }> {
    const q = new URLSearchParams({ limit: "50", ...(before ? { before } : {}) });
    return request("GET", `/tasks/${enc(taskId)}/comments?${q}`);
  }

  addComment(taskId: string, body: string): Promise<Comment | undefined> {
    return this.call("Posting the comment", () => request<Comment>("POST", `/tasks/${enc(taskId)}/comments`, { body }));
  }

  editComment(commentId: string, body: string): Promise<Comment | undefined> {
    return this.call("Editing the comment", () => request<Comment>("PATCH", `/comments/${enc(commentId)}`, { body }));
  }

  deleteComment(commentId: string): Promise<unknown> {
    return this.call("Deleting the comment", () => request("DELETE", `/comments/${enc(commentId)}`));
  }

  /** activity returns a page of events, newest first: the board's, or one task's. */
  activity(taskId?: string, before?: number): Promise<{ data: BoardEvent[]; next: number | null }> {
    const q = new URLSearchParams({ limit: "50", ...(before ? { before: String(before) } : {}) });
    const path = taskId ? `/tasks/${enc(taskId)}/activity` : `/boards/${enc(this.boardId)}/activity`;
    return request("GET", `${path}?${q}`);
  }

  deleteTask(taskId: string): void {
    const t = this.task(taskId);
    if (!t) return;
    this.push({
      kind: "deleteTask",
      id: randomId("m-"),
      boardId: this.boardId,
      label: `Deleting ${quote(t.title)}`,
      taskId,
      base: { title: t.title, description: t.description, assigneeId: t.assigneeId },
      baseVersion: t.version,
    });
  }

  createList(name: string): void {
    const n = name.trim();
    if (!n) return;
    this.push({ kind: "createList", id: randomId("m-"), boardId: this.boardId, label: `Adding list ${quote(n)}`, tempId: randomId(tempPrefix), name: n });
  }

  renameList(listId: string, name: string): void {
    const l = this.store.view.value?.lists.find((l) => l.id === listId);
    const n = name.trim();
    if (!l || !n || n === l.name) return;
    this.push({ kind: "updateList", id: randomId("m-"), boardId: this.boardId, label: `Renaming list ${quote(l.name)}`, listId, name: n });
  }

  moveList(listId: string, position: number): void {
    const v = this.store.view.value;
    const l = v?.lists.find((l) => l.id === listId);
    if (!v || !l) return;
    const pos = Math.max(0, Math.min(position, v.lists.length - 1));
    if (pos === l.position) return;
    this.push({ kind: "updateList", id: randomId("m-"), boardId: this.boardId, label: `Moving list ${quote(l.name)}`, listId, position: pos });
  }

  deleteList(listId: string): void {
    const l = this.store.view.value?.lists.find((l) => l.id === listId);
    if (!l) return;
    this.push({ kind: "deleteList", id: randomId("m-"), boardId: this.boardId, label: `Deleting list ${quote(l.name)}`, listId });
  }

  /** renameBoard renames the board (owners), straight to the server: it is not queued offline. */
  async renameBoard(name: string): Promise<void> {
    const n = name.trim();
    if (!n || n === this.store.view.value?.board.name) return;
    try {
      await request("PATCH", `/boards/${encodeURIComponent(this.boardId)}`, { name: n });
    } catch (e) {
      notify(`Renaming the board failed: ${(e as Error).message}.`);
    }
  }

  /** reloadMembers asks the server for the members again, after a change to them. */
  async reloadMembers(): Promise<void> {
    const members = await this.fetchMembers(this.boardId);
    const c = this.store.confirmed.value;
    if (c && members) this.store.confirmed.value = { ...c, members };
  }
}
