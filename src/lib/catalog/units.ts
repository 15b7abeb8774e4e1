import { mapping, post, pre } from './data';
import { fold, pad } from './fold';
import { core, longForm, toned, unitType } from './names';
import { own } from '../own';
import type { CodeSet, Level, Unit } from './units-types';

const WIDTH: Record<Level, number> = { province: 2, district: 3, commune: 5 };

/** One unit with its search keys, computed once at load. */
interface Entry {
  unit: Unit;
  full: string; // folded name with its prefix: "phuong phuc xa"
  core: string; // folded name without it: "phuc xa"
  toned: string; // the name without its prefix, tones kept: "phúc xá"
  type?: string; // its type as the prefix says it: "phuong"
}

const words = (s: string) => (s === '' ? 0 : s.split(' ').length);

/**
 * Everything about one level of one code set: O(1) maps for codes and exact
 * names, and all cores joined in one string so a prefix/contains search over
 * 10,051 communes is a few native indexOf calls, not 10,051 string tests.
 */
class Index {
  readonly units: Unit[] = [];
  readonly byCode = new Map<string, Unit>();
  readonly entries: Entry[] = [];
  readonly byFull = new Map<string, Entry[]>();
  readonly byCore = new Map<string, Entry[]>();
  readonly byParent = new Map<string, Entry[]>();
  private haystack = '';
  private starts: number[] = [];
  private ready = false;

  constructor(readonly level: Level) {}

  add(unit: Unit): void {
    const u = Object.freeze(unit);
    this.units.push(u);
    this.byCode.set(u.code, u);
  }

  /**
   * The name indexes, built on the first search rather than at require time:
   * folding 14,000 names costs more than everything else at load, and a flow
   * that only converts codes never needs them.
   */
  searchable(): this {
    if (this.ready) return this;
    this.ready = true;
    let at = 0;
    for (const unit of this.units) {
      const full = fold(unit.name);
      const c = core(this.level, full);
      const entry: Entry = { unit, full, core: c, toned: toned(unit.name, words(full) - words(c), this.level), type: unitType(this.level, full) };
      this.entries.push(entry);
      push(this.byFull, full, entry);
      push(this.byCore, entry.core, entry);
      if (unit.province) push(this.byParent, 'p' + unit.province, entry);
      if (unit.district) push(this.byParent, 'd' + unit.district, entry);
      // "\n" never occurs in a folded name, so no match spans two units.
      this.starts.push(at);
      at += entry.core.length + 1;
    }
    this.haystack = this.entries.map((e) => e.core).join('\n');
    return this;
  }

  /** Entries whose core starts with (tier 2) or contains (tier 3) `q`, in data order. */
  partial(q: string): [Entry[], Entry[]] {
    const prefix: Entry[] = [];
    const inside: Entry[] = [];
    let from = 0;
    let last = -1;
    for (;;) {
      const hit = this.haystack.indexOf(q, from);
      if (hit < 0) break;
      const i = this.entryAt(hit);
      if (i !== last) {
        (hit === this.starts[i] ? prefix : inside).push(this.entries[i]);
        last = i;
      }
      // Next unit: one hit per unit is enough.
      from = i + 1 < this.starts.length ? this.starts[i + 1] : this.haystack.length;
    }
    return [prefix, inside];
  }

  private entryAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// ---- load ------------------------------------------------------------------
const idx: Record<CodeSet, Record<Level, Index>> = {
  'pre-2025': { province: new Index('province'), district: new Index('district'), commune: new Index('commune') },
  '2025': { province: new Index('province'), district: new Index('district'), commune: new Index('commune') },
};
for (const [code, name] of pre.provinces) idx['pre-2025'].province.add({ code, name, level: 'province', set: 'pre-2025' });
for (const [code, name, province] of pre.districts) idx['pre-2025'].district.add({ code, name, level: 'district', set: 'pre-2025', province });
const districtProvince = new Map(pre.districts.map(([code, , province]) => [code, province]));
for (const [code, name, district] of pre.communes) {
  idx['pre-2025'].commune.add({ code, name, level: 'commune', set: 'pre-2025', province: districtProvince.get(district), district });
}
for (const [code, name] of post.provinces) idx['2025'].province.add({ code, name, level: 'province', set: '2025' });
for (const [code, name, province] of post.communes) idx['2025'].commune.add({ code, name, level: 'commune', set: '2025', province });

/**
 * Where a name is looked for: the parents' entries when `within` names them (a few
 * hundred at most, scanned), else the whole level (`pool` undefined: its indexes).
 * `undefined` when a parent code cannot exist: that narrows to nothing.
 */
function scope(index: Index, level: Level, set: CodeSet, within?: { province?: string; district?: string }): { pool?: Entry[]; inside: (e: Entry) => boolean } | undefined {
  const district = level === 'commune' && set === 'pre-2025' ? pad(within?.district, 3) : undefined;
  const province = level !== 'province' ? pad(within?.province, 2) : undefined;
  if ((within?.district !== undefined && district === undefined && level === 'commune' && set === 'pre-2025') ||
    (within?.province !== undefined && province === undefined && level !== 'province')) {
    return undefined;
  }
  const inside = (e: Entry) => (!province || e.unit.province === province) && (!district || e.unit.district === district);
  const pool = district || province ? index.byParent.get(district ? 'd' + district : 'p' + province) ?? [] : undefined;
  return { pool, inside };
}

/**
 * Matches of a name, best first, in tiers: exact name with its prefix, exact
 * name without it, name starting with the query, name containing it. For the
 * ranked `units.search`; `resolve` decides what is a match.
 */
export function rank(level: Level, name: string, set: CodeSet, within?: { province?: string; district?: string }): Unit[][] {
  const index = idx[set]?.[level]?.searchable();
  if (!index || typeof name !== 'string') return [[], [], [], []];
  const full = longForm(fold(name));
  const q = core(level, full);
  if (!q) return [[], [], [], []];
  const seen = new Set<Entry>();
  const take = (list: Entry[] | undefined, keep: (e: Entry) => boolean): Unit[] => {
    const out: Unit[] = [];
    for (const e of list ?? []) {
      if (!seen.has(e) && keep(e)) {
        seen.add(e);
        out.push(e.unit);
      }
    }
    return out;
  };
  const where = scope(index, level, set, within);
  if (!where) return [[], [], [], []];
  const { pool, inside } = where;
  if (pool) {
    return [
      take(pool, (e) => e.full === full && inside(e)),
      take(pool, (e) => e.core === q && inside(e)),
      take(pool, (e) => e.core.startsWith(q) && inside(e)),
      take(pool, (e) => e.core.includes(q) && inside(e)),
    ];
  }
  const all = () => true;
  const t0 = take(index.byFull.get(full), all);
  const t1 = take(index.byCore.get(q), all);
  const [prefix, contains] = index.partial(q);
  return [t0, t1, take(prefix, all), take(contains, all)];
}

/** What a name look-up may answer: one unit only when the name can mean no other. */
export interface Resolved {
  match?: Unit;
  candidates: Unit[];
  /**
   * ambiguous: several units have that name; typeMismatch: the name is there, with another
   * type than the query says ("Thành phố Điện Biên" for Huyện Điện Biên); partial: no unit
   * has that name, these start with or contain it; notFound: nothing.
   */
  reason?: 'ambiguous' | 'typeMismatch' | 'partial' | 'notFound';
}

/**
 * A name to a unit, never by a guess (issue 10). A match is an exact name after
 * folding case, spacing, punctuation and the type prefix; a type in the query must
 * be the unit's; a query written with its tones must equal the name with its tones
 * (Huế is not Huệ); one written without them matches only a unit no other shares
 * the folded name with. Starts-with and contains are candidates, never a match.
 * Tone placement ("Hòa"/"Hoà") is one spelling (names.ts `toned`).
 */
export function resolve(level: Level, name: string, set: CodeSet, within?: { province?: string; district?: string }, max = 20): Resolved {
  const index = idx[set]?.[level]?.searchable();
  if (!index || typeof name !== 'string') return { candidates: [], reason: 'notFound' };
  const f0 = fold(name);
  const full = longForm(f0);
  const q = core(level, full);
  if (!q) return { candidates: [], reason: 'notFound' };
  const type = unitType(level, full);
  // The query's own tones, when the query has them and its core is its last words (no alias stood in).
  const hasTones = /[^\x00-\x7f]/.test(name);
  const qToned = hasTones && (full === q || full.endsWith(' ' + q)) ? toned(name, words(f0) - words(q), level) : undefined;

  const where = scope(index, level, set, within);
  if (!where) return { candidates: [], reason: 'notFound' };
  const { pool: narrowed, inside } = where;
  const same = (narrowed ? narrowed.filter((e) => e.core === q) : index.byCore.get(q) ?? []).filter(inside);
  const units = (list: Entry[]) => list.slice(0, max).map((e) => e.unit);

  if (same.length) {
    const typed = type ? same.filter((e) => e.type === type) : same;
    if (!typed.length) return { candidates: units(same), reason: 'typeMismatch' };
    // Equal with its tones: that unit, if it is the only one.
    const exact = qToned !== undefined ? typed.filter((e) => e.toned === qToned) : [];
    if (exact.length === 1) return { match: exact[0].unit, candidates: [] };
    if (exact.length > 1) return { candidates: units(exact), reason: 'ambiguous' };
    // Typed without tones: only a name no other unit shares. Typed with other tones ("Phú Hội" where only
    // "Phù Hội" is): another name, so candidates — read as a match, that is 47 wrong communes of the official
    // lists (test/catalog.test.js, the audit). Spelling variants of one name (Đăk/Đắk) are aliases (data/catalog/aliases.json).
    if (qToned === undefined && typed.length === 1 && (same.length === 1 || type)) return { match: typed[0].unit, candidates: [] };
    return { candidates: units(typed), reason: 'ambiguous' };
  }
  const [prefix, contains] = narrowed
    ? [narrowed.filter((e) => e.core.startsWith(q) && inside(e)), narrowed.filter((e) => !e.core.startsWith(q) && e.core.includes(q) && inside(e))]
    : index.partial(q);
  const near = prefix.concat(contains);
  return near.length ? { candidates: units(near), reason: 'partial' } : { candidates: [], reason: 'notFound' };
}

/**
 * The unit of a code: first as given (a wire record's codes are already padded, and only a
 * padded code is a key), else padded. Every record is checked this way several times.
 */
function byCode(list: Index | undefined, code: unknown, width: number): Unit | undefined {
  if (!list) return undefined;
  const hit = typeof code === 'string' ? list.byCode.get(code) : undefined;
  if (hit) return hit;
  const c = pad(code, width);
  return c === undefined ? undefined : list.byCode.get(c);
}

function commune(code: unknown, set: CodeSet): Unit | undefined {
  return byCode(idx[set]?.commune, code, 5);
}

export const units = {
  /** Accepts numbers and unpadded strings ("1", 1 -> "01"). */
  province(code: unknown, set: CodeSet): Unit | undefined {
    return byCode(idx[set]?.province, code, 2);
  },
  /** Districts exist only before 2025-07-01. */
  district(code: unknown): Unit | undefined {
    return byCode(idx['pre-2025'].district, code, 3);
  },
  commune,
  resolve,
  /** Best first; [] when none. Prefixes and abbreviations ("TP.", "Q.", "Xã") are ignored. */
  search(level: Level, name: string, set: CodeSet, within?: { province?: string; district?: string }): Unit[] {
    return rank(level, name, set, within).flat();
  },
  /**
   * Does the commune lie in that district and province of the same set?
   * Since 2025 there is no district level: `district` is not checked then
   * (the connection decides what MaHuyen carries, see Settings.district2025).
   */
  belongs(communeCode: unknown, district: unknown | undefined, province: unknown, set: CodeSet): boolean {
    const c = commune(communeCode, set);
    if (!c || c.province !== pad(province, 2)) return false;
    if (set === '2025' || district === undefined) return true;
    return c.district === pad(district, 3);
  },
  /** The 2025 communes an old one went to; several when it was split: never pick one. */
  toNew(oldCommune: unknown): Unit[] {
    const c = pad(oldCommune, 5);
    const to = c === undefined ? undefined : mapping.communes[c];
    if (to === undefined) return [];
    return (typeof to === 'string' ? [to] : to).map((code) => idx['2025'].commune.byCode.get(code)!).filter(Boolean);
  },
  /** Why an old commune has no 2025 commune (`toNew` is empty), when the catalogue knows it has none. */
  noSuccessor(oldCommune: unknown): string | undefined {
    const c = pad(oldCommune, 5);
    return c === undefined ? undefined : own(mapping.noSuccessor, c);
  },
  provinceToNew(oldProvince: unknown): Unit | undefined {
    const c = pad(oldProvince, 2);
    const to = c === undefined ? undefined : mapping.provinces[c];
    return to === undefined ? undefined : idx['2025'].province.byCode.get(to);
  },
  /** The single pre-2025 district all of a new commune's old units came from, else undefined. */
  oldDistrictOf(newCommune: unknown): string | undefined {
    const c = pad(newCommune, 5);
    return c === undefined ? undefined : mapping.oldDistrict[c];
  },
  all(level: Level, set: CodeSet): Unit[] {
    return (idx[set]?.[level]?.units ?? []).slice();
  },
};
