import type { FieldSpec } from '../fields/types';
import type { Settings } from '../settings';
import type { Report } from './report';

/**
 * D9: StatusId is an integer with no catalogue in the seed. A province's own
 * status codes ("10" = result returned) are mapped first through
 * settings.statusMap; otherwise numeric strings become integers.
 */
export function normaliseInt(field: FieldSpec, input: unknown, settings: Settings, report: Report): number | undefined {
  const key = typeof input === 'string' ? input.trim() : typeof input === 'number' ? String(input) : undefined;
  if (field.kind === 'status' && key !== undefined && Object.prototype.hasOwnProperty.call(settings.statusMap, key)) {
    const mapped = settings.statusMap[key];
    if (Number.isSafeInteger(mapped)) return mapped;
    report.error(field.name, 'statusMap', { value: key });
    return undefined;
  }
  if (typeof input === 'number' && Number.isSafeInteger(input)) return input;
  if (typeof input === 'string' && /^[+-]?\d+$/.test(input.trim()) && Number.isSafeInteger(Number(input.trim()))) return Number(input.trim());
  report.error(field.name, 'integer', { value: String(input).slice(0, 40) });
  return undefined;
}
