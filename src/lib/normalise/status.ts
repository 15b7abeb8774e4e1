import { INT32_MAX, type FieldSpec } from '../fields/types';
import type { Settings } from '../settings';
import type { Report } from './report';
import { status } from '../catalog/status';

/**
 * D9: StatusId is an integer with no catalogue in the seed. A province's own
 * status codes ("10" = result returned) are mapped first through
 * settings.statusMap; otherwise numeric strings become integers, and a name of the
 * national status list (D23: "Đã trả kết quả", "da tra ket qua") its number, with a warning.
 */
export function normaliseInt(field: FieldSpec, input: unknown, settings: Settings, report: Report): number | undefined {
  const key = typeof input === 'string' ? input.trim() : typeof input === 'number' ? String(input) : undefined;
  if (field.kind === 'status' && key !== undefined && Object.prototype.hasOwnProperty.call(settings.statusMap, key)) {
    const mapped = settings.statusMap[key];
    if (Number.isSafeInteger(mapped)) return inRange(field, mapped, report);
    report.error(field.name, 'statusMap', { value: key });
    return undefined;
  }
  let n: number | undefined;
  if (typeof input === 'number' && Number.isSafeInteger(input)) n = input;
  else if (typeof input === 'string' && /^[+-]?\d+$/.test(input.trim()) && Number.isSafeInteger(Number(input.trim()))) n = Number(input.trim());
  if (n === undefined && field.kind === 'status' && key) {
    const named = status.byName(key);
    if (named) {
      report.warn(field.name, 'statusByName', { value: key.slice(0, 40), id: named.id, name: named.name });
      return named.id;
    }
  }
  if (n === undefined) {
    report.error(field.name, 'integer', { value: String(input).slice(0, 40) });
    return undefined;
  }
  return inRange(field, n, report);
}

/** An Int32 that is not negative, as the .NET service reads it; anything else is an error, never wrapped. */
function inRange(field: FieldSpec, n: number, report: Report): number | undefined {
  if (n >= 0 && n <= INT32_MAX) return n;
  report.error(field.name, 'intRange', { value: n, max: INT32_MAX });
  return undefined;
}
