import { DateTime } from 'luxon';

/** Vietnam has kept UTC+7 since 1975: the dates a report reads and names are in it. */
const ZONE = 'Asia/Ho_Chi_Minh';
const OFFSET_MS = 7 * 3_600_000;

/** The wire shapes a SubmittedDate is sent in (the table's format and the usual settings). */
const SHAPES: [RegExp, (m: RegExpExecArray) => number[]][] = [
  [/^(\d{2})\/(\d{2})\/(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/, (m) => [+m[3], +m[2], +m[1], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)]],
  [/^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/, (m) => [+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)]],
  [/^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/, (m) => [+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)]],
];

/** SubmittedDate as sent, as epoch ms (Vietnam's time); undefined when it is in none of the shapes. */
export function submittedAt(text: string | undefined): number | undefined {
  if (!text) return undefined;
  for (const [re, parts] of SHAPES) {
    const m = re.exec(text);
    if (!m) continue;
    const [y, mo, d, h, mi, s] = parts(m);
    const t = Date.UTC(y, mo - 1, d, h, mi, s) - OFFSET_MS;
    return Number.isFinite(t) ? t : undefined;
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
