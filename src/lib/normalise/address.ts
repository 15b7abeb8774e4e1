import { units } from '../catalog';
import type { AddressGroup, FieldSpec, OperationSpec } from '../fields/types';
import type { Settings } from '../settings';
import type { Report } from './report';

/** D13: GSO code widths. */
export const WIDTH = { province: 2, district: 3, commune: 5 } as const;
export type UnitKind = keyof typeof WIDTH;

export interface Group {
  name: AddressGroup;
  province?: FieldSpec;
  district?: FieldSpec;
  commune?: FieldSpec;
}

const groupCache = new WeakMap<OperationSpec, Group[]>();

/** The address blocks of an operation (handling unit, permanent and current residence). */
export function groups(op: OperationSpec): Group[] {
  let list = groupCache.get(op);
  if (!list) {
    const byName = new Map<AddressGroup, Group>();
    for (const f of op.fields) {
      if (!f.group || !(f.kind in WIDTH)) continue;
      const g = byName.get(f.group) ?? { name: f.group };
      g[f.kind as UnitKind] = f;
      byName.set(f.group, g);
    }
    list = [...byName.values()];
    groupCache.set(op, list);
  }
  return list;
}

/** A group is required when any of its fields is (the handling unit). */
export function required(g: Group): boolean {
  return Boolean(g.province?.required || g.district?.required || g.commune?.required);
}

/** Per level, from WIDTH: `plain` digits within the width (padded as they are), `exact` the code as sent. */
export const CODE_PATTERN = Object.fromEntries(
  (Object.keys(WIDTH) as UnitKind[]).map((k) => [k, { plain: new RegExp(`^\\d{1,${WIDTH[k]}}$`), exact: new RegExp(`^\\d{${WIDTH[k]}}$`) }]),
) as Record<UnitKind, { plain: RegExp; exact: RegExp }>;

interface Code {
  code: string;
  /** Parent codes written before it ("01.001.00001"), by level. */
  prefix: Readonly<Partial<Record<UnitKind, string>>>;
}

/** The levels, and those that have parents / are parents, in order: one array each, not one per record. */
const KINDS: readonly UnitKind[] = ['province', 'district', 'commune'];
const CHILDREN: readonly UnitKind[] = ['district', 'commune'];
const PARENTS: readonly UnitKind[] = ['province', 'district'];
/** A plain code has no parents written before it: one shared empty prefix. */
const NO_PREFIX: Code['prefix'] = Object.freeze({});

/**
 * D13, D18: a number or unpadded string is zero-padded; a dotted hierarchical
 * code ("01.001.00001", as one-stop databases store them) keeps its last part
 * and remembers the parents so they can be checked against the group.
 */
export function parseCode(field: FieldSpec, input: unknown, settings: Settings, report: Report): Code | undefined {
  const kind = field.kind as UnitKind;
  const width = WIDTH[kind];
  let s: string;
  // Most codes are plain digits (a column of numbers or strings): no hierarchy to read.
  if (typeof input === 'number' && Number.isInteger(input) && input >= 0 && input < 10 ** width) return { code: String(input).padStart(width, '0'), prefix: NO_PREFIX };
  if (typeof input === 'string' && CODE_PATTERN[kind].plain.test(input)) return { code: input.padStart(width, '0'), prefix: NO_PREFIX };
  if (typeof input === 'number' && Number.isInteger(input) && input >= 0) s = String(input);
  else if (typeof input === 'string') s = input.trim();
  else {
    report.error(field.name, 'codeFormat', { value: String(input).slice(0, 20), digits: width });
    return undefined;
  }
  const parts = s.split('.').map((p) => p.trim());
  const parents: UnitKind[] =
    kind === 'commune'
      ? parts.length === 3 || settings.codeSet === 'pre-2025' ? ['district', 'province'] : ['province']
      : kind === 'district' ? ['province'] : [];
  if (parts.length > parents.length + 1 || parts.some((p) => !/^\d+$/.test(p))) {
    report.error(field.name, 'codeFormat', { value: s.slice(0, 20), digits: width });
    return undefined;
  }
  const own = parts.pop()!;
  if (own.length > width) {
    report.error(field.name, 'codeFormat', { value: s.slice(0, 20), digits: width });
    return undefined;
  }
  const prefix: Partial<Record<UnitKind, string>> = {};
  parts.reverse().forEach((p, i) => (prefix[parents[i]] = p.padStart(WIDTH[parents[i]], '0')));
  return { code: own.padStart(width, '0'), prefix };
}

/**
 * Normalises the unit codes of every group into `out`. With the 2025 code set
 * there are no districts, yet MaHuyen stays in the API: settings.district2025
 * decides what it carries. `skip` collects fields whose absence is already
 * explained by another problem (so no second "required" is reported).
 */
export function normaliseUnits(op: OperationSpec, values: Record<string, unknown>, absent: (v: unknown) => boolean,
  settings: Settings, report: Report, out: Record<string, unknown>, skip: Set<string>): void {
  for (const g of groups(op)) {
    const parsed: Partial<Record<UnitKind, Code>> = {};
    for (const kind of KINDS) {
      const f = g[kind];
      if (!f) continue;
      const v = values[f.name];
      if (absent(v)) continue;
      const c = parseCode(f, v, settings, report);
      if (c) parsed[kind] = c;
      else skip.add(f.name);
    }
    // D18: the parents written in a dotted code must be the group's own.
    for (const kind of CHILDREN) {
      const c = parsed[kind];
      if (!c || c.prefix === NO_PREFIX) continue;
      for (const parent of PARENTS) {
        const written = c.prefix[parent];
        const given = parsed[parent]?.code;
        if (written === undefined || given === undefined || (settings.codeSet === '2025' && parent === 'district')) continue;
        if (written !== given) {
          report.error(g[kind]!.name, 'codePrefix', { prefix: written, expected: given, other: g[parent]!.name });
          parsed[kind] = undefined;
          skip.add(g[kind]!.name);
          break;
        }
      }
    }
    if (settings.codeSet === '2025' && g.district) district2025(g, parsed, values, absent, settings, report, skip);
    for (const kind of KINDS) {
      const f = g[kind];
      const c = parsed[kind];
      if (f && c) out[f.name] = c.code;
    }
  }
}

function district2025(g: Group, parsed: Partial<Record<UnitKind, Code>>, values: Record<string, unknown>,
  absent: (v: unknown) => boolean, settings: Settings, report: Report, skip: Set<string>): void {
  const name = g.district!.name;
  const any = parsed.province || parsed.commune || parsed.district;
  if (!any) return;
  switch (settings.district2025) {
    case 'province':
      if (parsed.province) parsed.district = { code: parsed.province.code.padStart(3, '0'), prefix: NO_PREFIX };
      return;
    case 'empty':
      parsed.district = { code: '000', prefix: NO_PREFIX };
      return;
    case 'old': {
      if (parsed.district || !absent(values[name]) || !parsed.commune) return;
      const c = parsed.commune.code;
      if (!units.commune(c, '2025')) {
        skip.add(name); // the commune's own error explains it
        return;
      }
      const old = units.oldDistrictOf(c);
      if (old) parsed.district = { code: old, prefix: NO_PREFIX };
      else {
        report.flag(required(g), name, 'districtAmbiguous', { commune: c });
        skip.add(name);
      }
    }
  }
}
