// The wire shapes of the taskboard protocol (docs/protocol.md). Field names are the server's.

export type Role = "viewer" | "editor" | "owner";

export interface User {
  id: string;
  name: string;
  email: string;
}

export interface Board {
  id: string;
  name: string;
  createdAt: string;
  role?: Role;
}

export interface List {
  id: string;
  boardId: string;
  name: string;
  position: number;
}

export interface Task {
  id: string;
  boardId: string;
  listId: string;
  title: string;
  description: string | null;
  assigneeId: string | null;
  position: number;
  version: number;
  createdAt: string;
  updatedAt: string;
  // v2 fields: absent on a v1 server and on a card created here before the server answers.
  assigneeIds?: string[];
  labelIds?: string[];
  /** dueAt is an RFC 3339 time, or null. */
  dueAt?: string | null;
  checklist?: ChecklistItem[];
  commentCount?: number;
  /** archivedAt is null for a live task. */
  archivedAt?: string | null;
}

export interface ChecklistItem {
  id: string;
  text: string;
  done: boolean;
  position: number;
}

export const labelColors = ["green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink", "gray"] as const;
export type LabelColor = (typeof labelColors)[number];

export interface Label {
  id: string;
  boardId: string;
  /** name may be empty: a label can be colour only. */
  name: string;
  color: LabelColor;
}

export interface Comment {
  id: string;
  boardId: string;
  taskId: string;
  authorId: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** SearchHit is one answer of GET /search. */
export interface SearchHit {
  task: Task;
  board: { id: string; name: string };
}

export interface Member {
  userId: string;
  name: string;
  email?: string;
  role: Role;
}

export interface Snapshot {
  board: Board;
  lists: List[];
  tasks: Task[];
  /** labels is absent on a v1 server. */
  labels?: Label[];
  seq: number;
}

export type EventType =
  | "task_created"
  | "task_updated"
  | "task_moved"
  | "task_deleted"
  | "list_created"
  | "list_updated"
  | "list_deleted"
  | "board_updated"
  | "board_deleted"
  | "member_added"
  | "member_removed"
  | "label_created"
  | "label_updated"
  | "label_deleted"
  | "task_archived"
  | "task_restored"
  | "comment_added"
  | "comment_updated"
  | "comment_deleted";

export const eventTypes: readonly EventType[] = [
  "task_created",
  "task_updated",
  "task_moved",
  "task_deleted",
  "list_created",
  "list_updated",
  "list_deleted",
  "board_updated",
  "board_deleted",
  "member_added",
  "member_removed",
  "label_created",
  "label_updated",
  "label_deleted",
  "task_archived",
  "task_restored",
  "comment_added",
  "comment_updated",
  "comment_deleted",
];

/** BoardEvent is one durable change of a board, numbered by seq. */
export interface BoardEvent {
  type: EventType;
  boardId: string;
  seq: number;
  at: string;
  actorId: string;
  requestId?: string;
  clientMutationId?: string;
  task?: Task;
  list?: List;
  board?: Board;
  member?: Member;
  taskId?: string;
  listId?: string;
  userId?: string;
  fromListId?: string;
  fromPosition?: number;
  label?: Label;
  labelId?: string;
  /** taskIds are the tasks a deleted label was taken off. */
  taskIds?: string[];
  comment?: Comment;
  commentId?: string;
}

export interface Viewer {
  userId: string;
  name: string;
}
