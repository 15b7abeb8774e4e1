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

/**
 * Wait before probe number `n` (1 after the first failure) of a connection
 * that is down: base * 2^(n-1) capped at `maxMs`, drawn from its upper half
 * ("equal jitter"), so probes neither hammer nor all fire together; a
 * Retry-After asking for longer wins.
 */
export function probeDelay(n: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = Math.max(1, opts.baseMs ?? 1000);
  const max = Math.max(base, opts.maxMs ?? 300_000);
  const cap = Math.min(max, base * Math.pow(2, Math.max(0, Math.floor(n) - 1)));
  const jittered = Math.floor(cap / 2 + random() * (cap / 2));
  const asked = opts.retryAfterMs != null && Number.isFinite(opts.retryAfterMs) ? Math.max(0, opts.retryAfterMs) : 0;
  return Math.max(jittered, Math.ceil(Math.min(asked, max)));
}
