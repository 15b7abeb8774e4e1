import type { FieldSpec } from '../fields/types';
import { INVISIBLE, type Report } from './report';

/**
 * Refused: C0/C1 control characters other than tab and line breaks (those are
 * whitespace), and the bidi embedding, override and isolate controls, which
 * make a name display other than it is stored (U+202A–U+202E, U+2066–U+2069).
 * Lone surrogates (half a character, from a broken encoding) are refused too.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
/** Line breaks, U+2028/U+2029 included: cleaned to a space (one-line fields) or a newline (free text). */
const BREAKS = /[\t\r\n\u2028\u2029]/;
/**
 * Anything the walk below must look at: the controls, any surrogate (paired or not), and for
 * one-line values the breaks. One scan without the unicode flag, which a /\p{Cs}/u scan costs.
 */
const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/;
const SUSPECT_LINE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF\u2028\u2029]/;

/**
 * Nothing for cleanText to change: printable ASCII and the precomposed Latin letters
 * Vietnamese is written in (Latin-1 letters, Latin Extended-A and -B, Latin Extended
 * Additional), single spaces, trimmed. None of those letters changes under NFC, and
 * without a combining mark beside them none composes (test/normalise.test.js
 * checks every one and every pair), so a name typed on a Vietnamese keyboard skips the
 * Unicode work.
 */
export const CLEAN_RANGE = '\\x21-\\x7E\\u00C0-\\u024F\\u1E00-\\u1EFF';
const CLEAN = new RegExp(`^(?:[${CLEAN_RANGE}]+(?: [${CLEAN_RANGE}]+)*)?$`);
const STABLE = new RegExp(`^[\\x00-\\x7F${CLEAN_RANGE}]*$`);

/** True when the string is its own NFC; false means it may not be (normalize and compare). */
export function isNfc(s: string): boolean {
  return STABLE.test(s) || s.normalize('NFC') === s;
}

/** Free text where line breaks carry meaning; every other text field is one line. */
const MULTILINE = new Set(['NoiDungXuLy']);

/** Length in characters (code points), as the seed's limits and ajv count them. */
export function length(s: string): number {
  // UTF-16 units less the second half of each pair.
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const h = s.charCodeAt(i - 1);
      if (h >= 0xd800 && h <= 0xdbff) n--;
    }
  }
  return n;
}

/** The first control character, as "U+0007", for a message that lets the user find it. */
export function controlChar(s: string, allowBreaks: boolean): string | undefined {
  // Nearly every value has none: one scan of the whole string, then the walk that names it.
  if (!(allowBreaks ? SUSPECT : SUSPECT_LINE).test(s)) return undefined;
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

/** The limit a wire value is held to: the seed's tighter one in strict mode (D8). */
export function maxOf(f: FieldSpec, strict: boolean): number | undefined {
  return strict && f.strictMax !== undefined ? f.strictMax : f.max;
}

/** D15, D8: max length in characters; the tighter seed limit only in strict mode. */
export function checkLength(field: FieldSpec, s: string, strict: boolean, report: Report): boolean {
  // A string has at most as many characters as UTF-16 units: most need no count.
  const limit = field.strictMax ?? field.max;
  if (limit === undefined || s.length <= limit) return true;
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
