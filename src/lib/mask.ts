/**
 * Personal ids are masked wherever they are shown (status, warnings, logs):
 * keep the first 4 and the last 2 characters, e.g. 001234567845 -> 0012******45.
 */
export function maskId(id: unknown): string {
  const s = String(id ?? '');
  if (s.length <= 6) return '*'.repeat(s.length);
  return s.slice(0, 4) + '*'.repeat(s.length - 6) + s.slice(-2);
}

/** Any run of 9 to 12 digits in free text looks like a CMND/CCCD: mask it. */
export function maskText(text: string): string {
  return text.replace(/\d{9,12}/g, (m) => maskId(m));
}
