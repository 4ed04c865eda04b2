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
  | "member_removed";

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
}

export interface Viewer {
  userId: string;
  name: string;
}
