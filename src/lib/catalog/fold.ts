/**
 * The search key every catalogue compares on: people type names without
 * diacritics, in any case, with dots and hyphens ("TP. Hồ Chí Minh",
 * "Bà Rịa - Vũng Tàu", "H'Mông"), so all of that is folded away.
 */
export function fold(text: string): string {
  const known = folded.get(text);
  if (known !== undefined) return known;
  const f = foldOnce(text);
  if (folded.size >= MAX_FOLDED) folded.clear();
  folded.set(text, f);
  return f;
}

/**
 * Folded texts already seen: a backfill asks for the same few names ("Kinh", "Nam", a
 * column's spelling) on every record, and folding is Unicode work. Bounded; starts again when full.
 */
const folded = new Map<string, string>();
const MAX_FOLDED = 20_000;

function foldOnce(text: string): string {
  return String(text)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '') // combining marks: tones, breve, circumflex, horn, diaeresis
    .replace(/[đĐ]/g, 'd') // đ is a letter of its own, NFD leaves it alone
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** fold() without spaces: "Ba na", "Ba-na" and "Bana" are one name. */
export function squash(text: string): string {
  return fold(text).replace(/ /g, '');
}

/**
 * A code as the catalogues store it: digits only, zero-padded to `width`
 * (D13: unpadded numbers and strings are accepted). Anything else: undefined.
 */
export function pad(code: unknown, width: number): string | undefined {
  let s: string;
  if (typeof code === 'string') s = code.trim();
  else if (typeof code === 'number' && Number.isInteger(code) && code >= 0) s = String(code);
  else return undefined;
  if (s.length === 0 || s.length > width || !/^\d+$/.test(s)) return undefined;
  return s.length === width ? s : s.padStart(width, '0');
}

/** A bare number, in a number or a string of digits ("01" -> "1"), else undefined. */
export function bareNumber(input: unknown): string | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? String(input) : undefined;
  if (typeof input !== 'string') return undefined;
  const s = input.trim();
  return /^\d+$/.test(s) ? String(Number(s)) : undefined;
}
