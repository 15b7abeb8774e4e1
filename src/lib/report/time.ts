import { DateTime } from 'luxon';
import { parseWire } from '../normalise/dates';

/** Vietnam has kept UTC+7 since 1975: the dates a report reads and names are in it. */
const ZONE = 'Asia/Ho_Chi_Minh';
/**
 * The wire formats a SubmittedDate is sent in: the table's, and the usual settings of a
 * connection (the facts keep the text as sent, not its format).
 */
const FORMATS = [
  'dd/MM/yyyy HH:mm:ss', 'dd/MM/yyyy HH:mm', 'dd/MM/yyyy',
  'yyyy-MM-dd HH:mm:ss', 'yyyy-MM-dd HH:mm', "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", 'yyyy-MM-dd',
  'yyyyMMddHHmmss', 'yyyyMMdd',
];

/** SubmittedDate as sent, as epoch ms, read in Vietnam's time as the wire checks read it; undefined when in no such format. */
export function submittedAt(text: string | undefined): number | undefined {
  if (!text) return undefined;
  for (const f of FORMATS) {
    const w = parseWire(text, f);
    if (typeof w !== 'string') return w.instant;
  }
  return undefined;
}

/**
 * A report's period from what a flow or the editor gives: `{month: "2026-11"}`, `{day:
 * "2026-12-07"}`, `{from: "2026-12-01", to: "2026-12-07"}` (days, both included), each in
 * Vietnam's calendar; nothing: this month. Undefined when it cannot be read.
 */
export function periodOf(raw: unknown, now: number = Date.now()): { from: number; to: number } | undefined {
  const day = (s: unknown) => (typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) ? DateTime.fromISO(s, { zone: ZONE }) : undefined);
  if (raw === undefined || raw === null || raw === '') {
    // To the month's end, not to now: the outbox's clock (monotonic, ./clock.ts) may run a
    // little ahead of the wall clock, and a record delivered a moment ago must count.
    const month = DateTime.fromMillis(now, { zone: ZONE }).startOf('month');
    return { from: month.toMillis(), to: month.plus({ months: 1 }).toMillis() };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const p = raw as { month?: unknown; day?: unknown; from?: unknown; to?: unknown };
  if (p.month !== undefined) {
    const m = typeof p.month === 'string' && /^\d{4}-\d{2}$/.test(p.month) ? DateTime.fromISO(`${p.month}-01`, { zone: ZONE }) : undefined;
    return m?.isValid ? { from: m.toMillis(), to: m.plus({ months: 1 }).toMillis() } : undefined;
  }
  if (p.day !== undefined) {
    const d = day(p.day);
    return d?.isValid ? { from: d.toMillis(), to: d.plus({ days: 1 }).toMillis() } : undefined;
  }
  const from = day(p.from);
  const to = day(p.to);
  if (!from?.isValid || !to?.isValid || to < from) return undefined;
  return { from: from.toMillis(), to: to.plus({ days: 1 }).toMillis() };
}

/** A report's date as people in Vietnam write it: 07/12/2026. */
export function vnDate(ms: number): string {
  return DateTime.fromMillis(ms, { zone: ZONE }).toFormat('dd/MM/yyyy');
}

export function vnDateTime(ms: number): string {
  return DateTime.fromMillis(ms, { zone: ZONE }).toFormat('dd/MM/yyyy HH:mm');
}
