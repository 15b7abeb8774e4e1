import type { FieldSpec } from '../fields/types';
import { maskId } from '../mask';
import type { Report } from './report';

/**
 * D14: a 12-digit CCCD / personal id, or a 9-digit old CMND (accepted, warned).
 * It is a string: a spreadsheet or a numeric column drops the leading zero that
 * most ids have (the first three digits are the province, 001 = Hà Nội), so a
 * number is only trusted when its digits still make a full id.
 */
export function normalisePersonalId(field: FieldSpec, input: unknown, report: Report): string | undefined {
  let s: string;
  if (typeof input === 'number' || typeof input === 'bigint') {
    s = typeof input === 'number' && Number.isInteger(input) && input >= 0 ? String(input) : typeof input === 'bigint' && input >= 0n ? input.toString() : '';
    if (s.length !== 12 && s.length !== 9) {
      report.error(field.name, 'personalIdNumber', { value: maskId(s), length: s.length });
      return undefined;
    }
    report.warn(field.name, 'personalIdNumber', { value: maskId(s), length: s.length });
  } else if (typeof input === 'string') {
    // People write ids grouped: "001 195 012 345", "001.195.012.345".
    s = input.normalize('NFC').replace(/[\s.]/g, '');
  } else {
    report.error(field.name, 'type', { expected: 'string', actual: Array.isArray(input) ? 'array' : typeof input });
    return undefined;
  }
  if (!/^\d+$/.test(s)) {
    report.error(field.name, 'personalIdDigits', { value: maskId(s) });
    return undefined;
  }
  if (s.length === 9) report.warn(field.name, 'oldCmnd', { value: maskId(s) });
  else if (s.length !== 12) {
    report.error(field.name, 'personalIdLength', { value: maskId(s), length: s.length });
    return undefined;
  }
  return s;
}

/** Wire check of an id as sent. */
export function wirePersonalId(value: string): string | undefined {
  if (!/^\d+$/.test(value)) return 'personalIdDigits';
  if (value.length !== 12 && value.length !== 9) return 'personalIdLength';
  return undefined;
}
