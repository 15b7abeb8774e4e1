/**
 * Capped exponential backoff with full jitter (delay drawn uniformly from
 * [0, min(max, base * 2^(attempt-1)))): many nodes that failed together do not
 * retry together. A server's Retry-After wins when it asks for longer.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** What the server asked for (Retry-After), if anything. */
  retryAfterMs?: number;
}

/** Delay in ms before try number `attempt + 1`, `attempt` being the tries made so far (1 after the first failure). */
export function delay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = Math.max(0, opts.baseMs ?? 1000);
  const max = Math.max(0, opts.maxMs ?? 60000);
  const n = Math.max(1, Math.floor(attempt));
  // 2^(n-1) overflows to Infinity for large n: min() keeps it at the cap.
  const cap = Math.min(max, base * Math.pow(2, n - 1));
  const jittered = Math.floor(random() * cap);
  const asked = opts.retryAfterMs != null && Number.isFinite(opts.retryAfterMs) ? Math.max(0, opts.retryAfterMs) : 0;
  return Math.max(jittered, Math.ceil(asked));
}
