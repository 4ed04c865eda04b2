// The REST client: JSON in and out, the session cookie for credentials, and the protocol's
// error shape turned into ApiError. A request that never got an answer is a NetworkError.

import type { Task } from "./types";

/** ApiError is an answer in the protocol's error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
    /** current is the task as it is now, on precondition_failed. */
    readonly current?: Task,
  ) {
    super(message);
  }

  /** retryable reports an answer that may go differently later: the server is busy or down. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** NetworkError is a request that got no answer: offline, or the server is unreachable. */
export class NetworkError extends Error {}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

let onUnauthorized: () => void = () => {};

/** setUnauthorizedHandler sets what happens when a session is no longer valid. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/**
 * request sends one API request and returns its decoded JSON body (undefined for 204). It
 * throws ApiError for error answers and NetworkError when no answer came.
 */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  fetcher: Fetch = (i, init) => fetch(i, init),
  signal?: AbortSignal,
): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin", signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetcher(path, init);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new NetworkError(e instanceof Error ? e.message : String(e));
  }
  if (res.status === 204) return undefined as T;
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; fields?: Record<string, string> }; task?: Task })
      ?.error;
    const e = new ApiError(
      res.status,
      err?.code ?? "internal",
      err?.message ?? `HTTP ${res.status}`,
      err?.fields,
      (json as { task?: Task } | undefined)?.task,
    );
    if (res.status === 401 && path !== "/auth/login" && path !== "/me") onUnauthorized();
    throw e;
  }
  return json as T;
}
