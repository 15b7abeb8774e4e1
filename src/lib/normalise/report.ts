import { problem, type Problem } from '../problem';
import { defaultSettings, type Settings } from '../settings';

/**
 * Collects the problems of one record. Normalisers push into it instead of
 * returning tuples, so a field can both produce a value and warn about it.
 */
export class Report {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];

  error(field: string | null, code: string, params?: Problem['params']): void {
    this.errors.push(problem(field, code, params));
  }

  warn(field: string | null, code: string, params?: Problem['params']): void {
    this.warnings.push(problem(field, code, params));
  }

  /** D6, D8: what strict mode turns from a warning into an error. */
  flag(strict: boolean, field: string | null, code: string, params?: Problem['params']): void {
    if (strict) this.error(field, code, params);
    else this.warn(field, code, params);
  }

  failed(field: string): boolean {
    return this.errors.some((p) => p.field === field);
  }
}

/** Settings with every default filled, so the rest of the code never checks for undefined. */
export function resolve(settings?: Partial<Settings>): Settings {
  return {
    ...defaultSettings,
    ...settings,
    dateFormats: { ...defaultSettings.dateFormats, ...settings?.dateFormats },
    statusMap: { ...defaultSettings.statusMap, ...settings?.statusMap },
  };
}

/** Empty strings, null and undefined mean "not given" (a blank database cell). */
export function absent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.replace(INVISIBLE, '').trim() === '');
}

/** Zero-width characters and the BOM arrive from Excel exports and copy-paste; they are never content. */
export const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;
