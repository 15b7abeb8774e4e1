import { ethnicity } from './ethnicity';
import { gender } from './gender';
import { issuingPlace } from './issuing-place';
import { procedure } from './procedure';
import { status } from './status';
import { units } from './units';
import type { CodeSet, Unit } from './units-types';

export type LookupCatalog = 'ethnicity' | 'gender' | 'issuingPlace' | 'procedure' | 'status' | 'province' | 'district' | 'commune';

export interface LookupRequest {
  catalog: LookupCatalog;
  code?: unknown;
  name?: string;
  codeSet?: CodeSet;
  convert?: '2025';
  within?: { province?: string; district?: string };
  ethnicityCode?: 'id' | 'gso';
}

export interface LookupAnswer {
  match?: unknown;
  candidates?: unknown[];
  /**
   * Absent with a match. 'notFound' | 'ambiguous' (several units of that name) |
   * 'typeMismatch' (the name is there with another unit type than the query says) |
   * 'partial' (no unit of that name; these start with or contain it) | 'split'
   * (an old unit divided among several new ones) | 'noSuccessor' (an old commune with no
   * 2025 commune in any source read; `why` says so) | 'badRequest'.
   */
  reason?: string;
  catalog: LookupCatalog;
  codeSet?: CodeSet;
  /** With 'noSuccessor': why the old commune has no 2025 commune in the catalogue. */
  why?: string;
}

const CATALOGS: LookupCatalog[] = ['ethnicity', 'gender', 'issuingPlace', 'procedure', 'status', 'province', 'district', 'commune'];
const SETS: CodeSet[] = ['pre-2025', '2025'];
/** Enough to choose from in an editor; an ambiguous exact name rarely has more than a handful. */
const MAX_CANDIDATES = 20;

/**
 * One answer shape for the btxh-lookup node and the editor's admin endpoint:
 * `{match}` when exactly one entry fits, otherwise `{candidates, reason}`.
 * The code wins when both a code and a name are given.
 */
export function lookup(req: LookupRequest): LookupAnswer {
  const catalog = req && typeof req === 'object' ? req.catalog : (undefined as unknown as LookupCatalog);
  const bad: LookupAnswer = { catalog, reason: 'badRequest', candidates: [] };
  if (!CATALOGS.includes(catalog)) return bad;
  const hasCode = req.code !== undefined && req.code !== null && req.code !== '';
  const hasName = typeof req.name === 'string' && req.name.trim() !== '';
  if (!hasCode && !hasName) return bad;
  const input = hasCode ? req.code : req.name;

  switch (catalog) {
    case 'ethnicity':
      if (req.ethnicityCode !== undefined && req.ethnicityCode !== 'id' && req.ethnicityCode !== 'gso') return bad;
      return one(catalog, ethnicity.find(input, req.ethnicityCode ?? 'id'));
    case 'gender':
      return one(catalog, gender.find(input));
    case 'issuingPlace':
      return one(catalog, issuingPlace.find(input));
    case 'procedure':
      return one(catalog, procedure.find(input));
    case 'status':
      return one(catalog, status.find(input));
    default:
      return unit(req, catalog, hasCode);
  }
}

function one(catalog: LookupCatalog, match: unknown): LookupAnswer {
  return match === undefined ? { catalog, reason: 'notFound', candidates: [] } : { catalog, match };
}

function unit(req: LookupRequest, level: 'province' | 'district' | 'commune', byCode: boolean): LookupAnswer {
  const set = req.codeSet ?? 'pre-2025';
  const convert = req.convert !== undefined;
  // Districts ended on 2025-07-01: none to find in 2025, none to convert to.
  if (!SETS.includes(set) || (convert && req.convert !== '2025') || (level === 'district' && (set === '2025' || convert))) {
    return { catalog: level, reason: 'badRequest', candidates: [], codeSet: set };
  }
  let found: Unit | undefined;
  if (byCode) {
    const code = ownCode(level, req.code, set);
    if (code === null) return { catalog: level, reason: 'notFound', candidates: [], codeSet: set };
    found = level === 'district' ? units.district(code) : units[level](code, set);
  } else {
    // Only an exact name is a match; the rest are candidates with the reason (units.resolve).
    const r = units.resolve(level, req.name as string, set, req.within, MAX_CANDIDATES);
    if (!r.match) return { catalog: level, reason: r.reason ?? 'notFound', candidates: r.candidates, codeSet: set };
    found = r.match;
  }
  if (!found) return { catalog: level, reason: 'notFound', candidates: [], codeSet: convert ? '2025' : set };
  if (!convert || set === '2025') return { catalog: level, match: found, codeSet: set };

  if (level === 'province') return one2025(level, units.provinceToNew(found.code));
  const to = units.toNew(found.code);
  const none = to.length === 0 ? units.noSuccessor(found.code) : undefined;
  if (none) return { catalog: level, reason: 'noSuccessor', why: none, candidates: [], codeSet: '2025' };
  if (to.length > 1) return { catalog: level, reason: 'split', candidates: to, codeSet: '2025' };
  return one2025(level, to[0]);
}

function one2025(catalog: LookupCatalog, match: Unit | undefined): LookupAnswer {
  return match ? { catalog, match, codeSet: '2025' } : { catalog, reason: 'notFound', candidates: [], codeSet: '2025' };
}

/**
 * D18: a code written hierarchically ("01.001.00001", "01.00001" in 2025) is the
 * unit's own code, the last part, whose parents must be the ones written before it;
 * `null` when they are not (a wrong code is worse than none). Other codes pass as given.
 */
function ownCode(level: 'province' | 'district' | 'commune', code: unknown, set: CodeSet): unknown {
  if (typeof code !== 'string' || !code.includes('.')) return code;
  const parts = code.trim().split('.');
  const own = parts[parts.length - 1];
  const unit = level === 'district' ? units.district(own) : units[level](own, set);
  if (!unit || parts.some((p) => !/^\d+$/.test(p))) return null;
  const parents = level === 'commune' && set === 'pre-2025' ? [unit.province, unit.district] : level === 'province' ? [] : [unit.province];
  const given = parts.slice(0, -1);
  if (given.length > parents.length) return null;
  // Written parents are the nearest ones last: "001.00001" names the district, "01.001.00001" both.
  const expected = parents.slice(parents.length - given.length);
  return given.every((p, i) => Number(p) === Number(expected[i])) ? own : null;
}
