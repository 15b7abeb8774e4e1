import type { FieldSpec } from '../fields/types';
import { INVISIBLE, type Report } from './report';

/**
 * Refused: C0/C1 control characters other than tab and line breaks (those are
 * whitespace), and the bidi embedding, override and isolate controls, which
 * make a name display other than it is stored (U+202A–U+202E, U+2066–U+2069).
 * Lone surrogates (half a character, from a broken encoding) are refused too.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
/** Half a character: a surrogate without its pair. */
const LONE = /\p{Cs}/u;
/** Line breaks, U+2028/U+2029 included: cleaned to a space (one-line fields) or a newline (free text). */
const BREAKS = /[\t\r\n\u2028\u2029]/;

/** Printable ASCII, no leading, trailing or double space: nothing for cleanText to change. */
const CLEAN = /^(?:[\x21-\x7E]+(?: [\x21-\x7E]+)*)?$/;

/** Free text where line breaks carry meaning; every other text field is one line. */
const MULTILINE = new Set(['NoiDungXuLy']);

/** Length in characters (code points), as the seed's limits and ajv count them. */
export function length(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The first control character, as "U+0007", for a message that lets the user find it. */
export function controlChar(s: string, allowBreaks: boolean): string | undefined {
  // Nearly every value has none: one scan of the whole string, then the walk that names it.
  if (!CONTROL.test(s) && !LONE.test(s) && (allowBreaks || !BREAKS.test(s))) return undefined;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (CONTROL.test(ch) || (cp >= 0xd800 && cp <= 0xdfff) || (!allowBreaks && BREAKS.test(ch))) return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
}

/** A scalar a text field may be read from: numbers from a database column become strings. */
export function asString(field: FieldSpec, input: unknown, report: Report): string | undefined {
  if (typeof input === 'string') return input;
  if (typeof input === 'number' && Number.isFinite(input)) return String(input);
  if (typeof input === 'bigint') return input.toString();
  report.error(field.name, 'type', { expected: 'string', actual: input instanceof Date ? 'date' : Array.isArray(input) ? 'array' : typeof input });
  return undefined;
}

/**
 * D15: NFC (macOS and some IMEs send decomposed Vietnamese), trim, no control
 * characters. Names and one-line fields also collapse inner whitespace runs;
 * codes (kind "code") keep their inner characters but may not hold breaks.
 */
export function cleanText(field: FieldSpec, raw: string, report: Report): string | undefined {
  // Most values are already clean (one line of printable ASCII, single spaces, trimmed): kept as they are.
  if (CLEAN.test(raw)) return raw;
  const multiline = MULTILINE.has(field.name);
  let s = raw.normalize('NFC').replace(INVISIBLE, '');
  const bad = controlChar(s, field.kind !== 'code');
  if (bad) {
    report.error(field.name, 'controlChar', { char: bad });
    return undefined;
  }
  if (multiline) s = s.replace(/\r\n?|[\u2028\u2029]/g, '\n').replace(/[ \t\u00A0]+/g, ' ').replace(/ *\n */g, '\n').trim();
  else if (field.kind === 'code') s = s.trim();
  else s = s.replace(/\s+/g, ' ').trim();
  return s;
}

/** D15, D8: max length in characters; the tighter seed limit only in strict mode. */
export function checkLength(field: FieldSpec, s: string, strict: boolean, report: Report): boolean {
  const n = length(s);
  if (field.max !== undefined && n > field.max) {
    report.error(field.name, 'maxLength', { max: field.max, length: n });
    return false;
  }
  if (field.strictMax !== undefined && n > field.strictMax) {
    report.flag(strict, field.name, 'maxLengthStrict', { max: field.strictMax, length: n });
    return !strict;
  }
  return true;
}

/** Text and code fields: string, cleaned and within length. */
export function normaliseText(field: FieldSpec, input: unknown, strict: boolean, report: Report): string | undefined {
  const raw = asString(field, input, report);
  if (raw === undefined) return undefined;
  const s = cleanText(field, raw, report);
  if (s === undefined || s === '') return undefined;
  return checkLength(field, s, strict, report) ? s : undefined;
}
