/**
 * Reading node properties as the editor saves them: numbers arrive as strings
 * (or empty when the user cleared a field) and JSON settings as text. A value
 * that cannot be read falls back to the default instead of failing the flow.
 */

/** A number at least `min`, or `fallback` when empty or unreadable. */
export function num(v: unknown, fallback: number, min = -Infinity): number {
  const n = Number(v);
  return String(v ?? '').trim() !== '' && Number.isFinite(n) && n >= min ? n : fallback;
}

/** A whole number at least `min`, or `fallback`. */
export function int(v: unknown, fallback: number, min = 1): number {
  return Math.floor(num(v, fallback, min));
}

/** A JSON object typed in a text field, or `fallback` when empty or not an object. */
export function json<T extends object>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || !text.trim()) return fallback;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}
