/**
 * Personal ids are masked wherever they are shown (status, warnings, logs):
 * at most the first 4 and the last 2 characters, and never more than half of
 * them: 001234567845 -> 0012******45, a 9-digit CMND 012345678 -> 01*****78.
 */
export function maskId(id: unknown): string {
  const s = String(id ?? '');
  const last = Math.min(2, Math.floor(s.length / 4));
  const first = Math.max(0, Math.min(4, Math.floor(s.length / 2) - last));
  return s.slice(0, first) + '*'.repeat(s.length - first - last) + (last ? s.slice(-last) : '');
}

/** Any run of 9 to 12 digits in free text looks like a CMND/CCCD: mask it. */
export function maskText(text: string): string {
  return text.replace(/\d{9,12}/g, (m) => maskId(m));
}
