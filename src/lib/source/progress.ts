import type { Position } from './cursor';

/** What one run of a source has done so far (a backfill, or one incremental catch-up). */
export interface Tally {
  pages: number;
  read: number;
  accepted: number;
  skipped: number;
  invalid: number;
}

export const emptyTally = (): Tally => ({ pages: 0, read: 0, accepted: 0, skipped: 0, invalid: 0 });

export interface Estimate {
  /** 0..100, whole; absent when nothing tells how far along it is. */
  percent?: number;
  /** Estimated ms left, from the pace so far; absent until there is a pace. */
  leftMs?: number;
}

/**
 * How far a run has come: by rows when the total is known (a count query before it),
 * else by where its position stands in the date range of a backfill. The time left
 * assumes the pace so far holds.
 */
export function estimate(t: Tally, elapsedMs: number, range: { total?: number; from?: string | null; to?: string | null; at?: Position | null }): Estimate {
  let share: number | undefined;
  if (range.total && range.total > 0) share = Math.min(1, t.read / range.total);
  else if (range.from && range.to && range.at?.time instanceof Date) {
    const from = Date.parse(range.from);
    const to = Date.parse(range.to);
    if (Number.isFinite(from) && Number.isFinite(to) && to > from) share = Math.min(1, Math.max(0, (range.at.time.getTime() - from) / (to - from)));
  }
  if (share === undefined) return {};
  const out: Estimate = { percent: Math.floor(share * 100) };
  if (share > 0 && elapsedMs > 0) out.leftMs = Math.round((elapsedMs * (1 - share)) / share);
  return out;
}
