/**
 * Retry-After (RFC 9110 10.2.3) is either delay-seconds or an HTTP-date. The
 * engine's backoff honours it, so a 429/503 from a gateway does not get hammered.
 * Returns undefined when absent or unreadable, never a negative delay.
 */
export function retryAfterMs(header: unknown, now: number = Date.now()): number | undefined {
  if (Array.isArray(header)) header = header[0];
  if (typeof header !== 'string' && typeof header !== 'number') return undefined;
  const s = String(header).trim();
  if (s === '') return undefined;
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
