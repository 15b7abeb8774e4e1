import { DateTime } from 'luxon';
import type { OperationSpec } from '../fields/types';
import type { Settings } from '../settings';
import { dateFormat, parseWire } from './dates';
import type { Report } from './report';

/** A clock may run a little fast: a time this far ahead of ours is still "now". */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Pairs of fields where the first cannot come after the second. */
const ORDER: Record<string, [string, string][]> = {
  dossier: [['NgayThangNamSinh', 'CMND_NgayCap'], ['NgayThangNamSinh', 'SubmittedDate']],
  progress: [['NgayBatDau', 'NgayKetThucTheoQuyDinh']],
};
/** Fields that record something already done: never in the future. */
const PAST: Record<string, string[]> = {
  dossier: ['NgayThangNamSinh', 'CMND_NgayCap', 'SubmittedDate'],
  progress: ['ThoiDiemXuLy', 'NgayBatDau', 'DateCreated', 'DateEdited'],
};

/**
 * What cannot be true of a record's dates, each date being valid alone: an id
 * issued before its holder was born, a deadline before the step began, a
 * submission (or a birth) in the future. Errors on the later field, never a guess.
 */
export function checkChronology(op: OperationSpec, out: Record<string, unknown>, s: Settings, report: Report, now = Date.now()): void {
  const at = (name: string): DateTime | undefined => {
    const v = out[name];
    const f = op.fields.find((x) => x.name === name);
    if (typeof v !== 'string' || !f) return undefined;
    const dt = parseWire(v, dateFormat(op, f, s));
    return dt.isValid ? dt : undefined;
  };
  for (const [first, later] of ORDER[op.id] ?? []) {
    const a = at(first);
    const b = at(later);
    if (a && b && b < a.startOf('day') && out[later] !== undefined) {
      report.error(later, 'dateOrder', { value: String(out[later]), other: first, otherValue: String(out[first]) });
      delete out[later];
    }
  }
  for (const name of PAST[op.id] ?? []) {
    const t = at(name);
    if (t && t.toMillis() > now + CLOCK_SKEW_MS && out[name] !== undefined) {
      report.error(name, 'dateFuture', { value: String(out[name]) });
      delete out[name];
    }
  }
}
