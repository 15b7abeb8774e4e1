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
  if (!settings) return DEFAULTS;
  let s = resolved.get(settings);
  if (!s) resolved.set(settings, (s = fill(settings)));
  return s;
}

/**
 * A connection's settings are one object for its lifetime: filled once, not per record.
 * The filled object is frozen (shallowly) so a caller cannot change what every record sees.
 */
const resolved = new WeakMap<Partial<Settings>, Settings>();

function fill(settings?: Partial<Settings>): Settings {
  return Object.freeze({
    ...defaultSettings,
    ...settings,
    dateFormats: { ...defaultSettings.dateFormats, ...settings?.dateFormats },
    statusMap: { ...defaultSettings.statusMap, ...settings?.statusMap },
  });
}

const DEFAULTS = fill();

/** Empty strings, null and undefined mean "not given" (a blank database cell). */
export function absent(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  // A value that starts with a printable ASCII character is not blank: no pattern to run.
  const c = value.charCodeAt(0);
  return !(c > 0x20 && c < 0x7f) && BLANK.test(value);
}

/** Nothing but whitespace and invisible characters (what `absent` treats as blank). */
const BLANK = /^[\s\u200B-\u200D\u2060\uFEFF]*$/;

/** Zero-width characters and the BOM arrive from Excel exports and copy-paste; they are never content. */
export const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;
