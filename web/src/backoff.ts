// Exponential backoff with full jitter: the delay before retry n is uniformly random in
// [0, min(cap, base·2ⁿ)], which spreads the reconnections of many clients after an outage
// instead of having them all return in step.

export interface BackoffOptions {
  /** base is the ceiling of the first delay, in milliseconds. */
  base: number;
  /** cap bounds every delay, in milliseconds. */
  cap: number;
}

export const reconnectBackoff: BackoffOptions = { base: 250, cap: 10_000 };

/** backoffDelay returns the delay before retry attempt (0 for the first retry). */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.cap, opts.base * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
