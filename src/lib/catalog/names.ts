import type { Level } from './units-types';
import { own } from '../own';
import { aliases } from './data';

/**
 * Prefixes and abbreviations people put before a unit's own name, folded
 * (see fold.ts). Stripped from both the query and the catalogue's names, so
 * "TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh" and "Hồ Chí Minh" meet; a wrong
 * prefix ("Huyện" for a "Quận") still finds the unit.
 */
const PREFIXES: Record<Level, string[]> = {
  province: ['cong an', 'ca', 'tinh', 'thanh pho', 'tp'],
  district: ['quan', 'q', 'huyen', 'h', 'thi xa', 'tx', 'thanh pho', 'tp'],
  commune: ['phuong', 'p', 'xa', 'x', 'thi tran', 'tt', 'dac khu'],
};

/** Common and former names of provinces (folded, after prefixes): data/catalog/aliases.json, with their sources. */
const PROVINCE_ALIASES: Record<string, string> = Object.fromEntries(Object.entries(aliases.province).map(([k, a]) => [k, a.to]));
/**
 * Spelling variants of one word with its tones (Đăk/Đắk), rewritten on both sides of a
 * comparison of province names only: communes such as Xã Đắk Hà and Xã Đăk Hà are two units.
 */
const SPELLING: Record<string, string> = Object.fromEntries(Object.entries(aliases.spelling).map(([k, a]) => [k, a.to]));

/** "q1", "p12": a numbered ward or district typed without a space. */
const GLUED = /^(q|p|quan|phuong)(\d+)$/;

/** Unit types as their prefixes say them (folded, written out): one key per type. */
const TYPES: Record<Level, string[]> = {
  province: ['tinh', 'thanh pho'],
  district: ['quan', 'huyen', 'thi xa', 'thanh pho'],
  commune: ['phuong', 'xa', 'thi tran', 'dac khu'],
};

/** The type a folded, written-out name starts with ("thanh pho hue" -> "thanh pho"), if any. */
export function unitType(level: Level, folded: string): string | undefined {
  const glued = GLUED.exec(folded);
  if (glued && level !== 'province') return own(LONG, glued[1]) ?? glued[1];
  return TYPES[level].find((t) => folded.startsWith(t + ' '));
}

/** The unit's own name, folded: no prefix, aliases resolved. */
export function core(level: Level, folded: string): string {
  let s = folded;
  const alias = (name: string) => (level === 'province' ? own(PROVINCE_ALIASES, name) : undefined);
  const whole = alias(s);
  if (whole) return whole;
  const glued = GLUED.exec(s);
  if (glued && level !== 'province') return String(Number(glued[2]));
  // A few rounds: "cong an tinh thanh hoa" carries two prefixes.
  for (let round = 0; round < 3; round++) {
    const p = PREFIXES[level].find((x) => s.startsWith(x + ' '));
    if (!p) break;
    s = s.slice(p.length + 1);
  }
  const named = alias(s);
  if (named) return named;
  // A prefix alone ("Xã") names nothing.
  if (PREFIXES[level].includes(s)) return '';
  // Numbered units are written "Phường 01" as often as "Phường 1".
  return /^\d+$/.test(s) ? String(Number(s)) : s;
}

/** Abbreviated prefixes written out, so "TT Phù Yên" meets "Thị trấn Phù Yên" exactly. */
const LONG: Record<string, string> = {
  tp: 'thanh pho', q: 'quan', h: 'huyen', tx: 'thi xa', p: 'phuong', x: 'xa', tt: 'thi tran',
};

/**
 * The name with its tones, for telling Huế from Huệ: NFC, lower case, punctuation
 * to spaces, and its first `drop` words (the prefix fold() found) left out.
 */
export function toned(text: string, drop: number, level?: Level): string {
  // Old and new tone placement are one spelling: "Hòa"/"Hoà", "Thủy"/"Thuỷ", "Khóe"/"Khoé".
  const placed = String(text).normalize('NFD').replace(/([ou])([\u0300\u0301\u0303\u0309\u0323])([aeyAEY])/gi, '$1$3$2');
  const words = placed.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim().split(' ').map((w) => (level === 'province' ? own(SPELLING, w) ?? w : w));
  const s = words.slice(drop).join(' ');
  return /^\d+$/.test(s) ? String(Number(s)) : s;
}

/** The folded name with its abbreviated prefix written out ("tt phu yen" -> "thi tran phu yen"). */
export function longForm(folded: string): string {
  const space = folded.indexOf(' ');
  const head = space < 0 ? '' : own(LONG, folded.slice(0, space));
  return head ? head + folded.slice(space) : folded;
}
