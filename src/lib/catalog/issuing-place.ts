import { pre, seed } from './data';
import { bareNumber, fold } from './fold';
import { core } from './names';
import { own } from '../own';

export interface IssuingPlace {
  id: string;
  name: string;
}

const list: IssuingPlace[] = seed.issuingPlaces.map(([id, name]) => Object.freeze({ id, name }));
const byId = new Map(list.map((p) => [p.id, p]));

/** Province part of a name, spaces dropped: "Công an TP. Hồ Chí Minh" -> "hochiminh". */
function provinceKey(text: string): string {
  return core('province', fold(text)).replace(/ /g, '');
}

// Provinces (ids 1195…): keyed by the province's own name.
const byProvince = new Map<string, IssuingPlace>();
for (const p of list) if (Number(p.id) >= 1195) byProvince.set(provinceKey(p.name), p);
// The seed writes "Thừa Thiên Huế", since 2025 people write "Huế": the province aliases
// (data/catalog/aliases.json) fold both to "hue".

// Pre-2025 provinces by the same key, to tell "no id in the seed" (D12) from "not a province".
const preProvince = new Map(pre.provinces.map(([, name]) => [provinceKey(name), name]));

// The two police departments, written out or abbreviated in many ways.
const EXPAND: Record<string, string> = {
  cs: 'canh sat', qlhc: 'quan ly hanh chinh', ttxh: 'trat tu xa hoi', dkql: 'dang ky quan ly',
  dlqg: 'du lieu quoc gia', ql: 'quan ly', dk: 'dang ky', qg: 'quoc gia', hc: 'hanh chinh',
};
function department(folded: string): IssuingPlace | undefined {
  const s = ' ' + folded.split(' ').map((w) => own(EXPAND, w) ?? w).join(' ') + ' ';
  if (!s.includes(' canh sat ') && !s.includes(' cuc ')) return undefined;
  if (s.includes(' cu tru ') || s.includes(' dan cu ')) return byId.get('1048');
  if (s.includes(' quan ly hanh chinh ') || s.includes(' trat tu xa hoi ')) return byId.get('1047');
  return undefined;
}

export const issuingPlace = {
  /**
   * The catalogue id, a department name (full or abbreviated), or a province
   * name with or without "Công an", "CA", "Tỉnh", "TP" (D12).
   */
  find(input: unknown): IssuingPlace | undefined {
    const n = bareNumber(input);
    if (n !== undefined) return byId.get(n);
    if (typeof input !== 'string') return undefined;
    const folded = fold(input);
    if (!folded) return undefined;
    return department(folded) ?? byProvince.get(provinceKey(folded));
  },
  /**
   * The canonical name of a pre-2025 province the input names but the seed has
   * no id for (Cao Bằng, Ninh Thuận, Cà Mau), so the caller can warn and leave
   * the field empty instead of sending a wrong id (D12); else undefined.
   */
  missing(input: unknown): string | undefined {
    if (typeof input !== 'string' || issuingPlace.find(input)) return undefined;
    return preProvince.get(provinceKey(input));
  },
  all(): IssuingPlace[] {
    return list.slice();
  },
};
