import type { OperationSpec } from '../fields/types';
import type { Report } from './report';
import type { Wall } from './wall';

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
 * `walls`: the dates as the normaliser read them, by field (nothing is parsed twice).
 */
export function checkChronology(op: OperationSpec, out: Record<string, unknown>, walls: Map<string, Wall>, report: Report, now = Date.now()): void {
  for (const [first, later] of ORDER[op.id] ?? []) {
    const a = walls.get(first);
    const b = walls.get(later);
    if (a && b && out[first] !== undefined && out[later] !== undefined && b.instant < a.startOfDay().instant) {
      report.error(later, 'dateOrder', { value: String(out[later]), other: first, otherValue: String(out[first]) });
      out[later] = undefined;
    }
  }
  for (const name of PAST[op.id] ?? []) {
    const t = walls.get(name);
    if (t && out[name] !== undefined && t.instant > now + CLOCK_SKEW_MS) {
      report.error(name, 'dateFuture', { value: String(out[name]) });
      out[name] = undefined;
    }
  }
}
