import type { FieldSpec } from '../fields/types';
import type { Report } from './report';
import { normaliseText } from './text';

/**
 * Email and phone are optional and free-form in one-stop databases: a light
 * check warns about values BTXH staff could not use, but they are still sent.
 */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(field: FieldSpec, input: unknown, strict: boolean, report: Report): string | undefined {
  const s = normaliseText(field, input, strict, report);
  if (s !== undefined && !EMAIL.test(s)) report.warn(field.name, 'email', { value: s });
  return s;
}

export function normalisePhone(field: FieldSpec, input: unknown, strict: boolean, report: Report): string | undefined {
  const s = normaliseText(field, input, strict, report);
  if (s === undefined) return s;
  // Vietnamese numbers: 10 digits (0912 345 678), +84 912 345 678, landlines 024 3826 xxxx; a lost leading zero leaves 9.
  const digits = s.replace(/[\s.\-()]/g, '');
  if (!/^(\+84|0)\d{9,10}$/.test(digits)) report.warn(field.name, 'phone', { value: s });
  return s;
}

/**
 * FileQuyetDinh's Url: BTXH downloads the file and runs OCR on it, so it must
 * be an absolute http(s) link, not a path on the province's file server.
 */
export function wireUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export function normaliseUrl(field: FieldSpec, input: unknown, strict: boolean, report: Report): string | undefined {
  const s = normaliseText(field, input, strict, report);
  if (s === undefined) return s;
  if (!wireUrl(s)) {
    report.error(field.name, 'url', { value: s.length > 60 ? `${s.slice(0, 60)}…` : s });
    return undefined;
  }
  return s;
}
