import { ethnicity, gender, issuingPlace, procedure, units } from '../catalog';
import type { FieldSpec, OperationSpec } from '../fields/types';
import { maskId } from '../mask';
import type { Settings } from '../settings';
import { wireUrl } from './contact';
import { checkDate } from './dates';
import { checkExtentData } from './extent';
import { CODE_PATTERN, groups, required as groupRequired, WIDTH, type Group, type UnitKind } from './address';
import { wirePersonalId } from './personal-id';
import { Report } from './report';
import { controlChar, isNfc, length, maxOf } from './text';

/**
 * The checks of a wire record that a JSON schema cannot express: date strings
 * in the configured format, catalogue membership, code widths, the address
 * hierarchy. Values of the wrong type are left to the schema. Shared by the
 * normaliser's last step and the sandbox (through schema.checkWire), so both
 * judge a record the same way.
 */
/**
 * Kinds whose normaliser returns only values that pass checkValue by the same rule: a date is
 * written from the parsed day after its range check (and the format's write/read round trip is
 * tested), a catalogue value is the entry's own id, a text is cleanText's (NFC, no control
 * character, by the same controlChar; a link passed wireUrl), an ExtentData document is the
 * XML library's. When the record comes from prepare (`normalised`), their check is not run a
 * second time — a third of the last step's cost; test/normalise.test.js holds every prepared record
 * to the full check. Units stay: their catalogue and hierarchy are checked only here.
 */
const NORMALISED: ReadonlySet<string> = new Set(['date', 'gender', 'ethnicity', 'issuingPlace', 'extentData', 'text', 'code', 'procedureName', 'email', 'phone', 'url']);

export function inspectValues(op: OperationSpec, record: Record<string, unknown>, settings: Settings, normalised = false): Report {
  const report = new Report();
  // Fields whose value failed here: the group checks leave them out (rare, so a set only then).
  let failed: Set<string> | undefined;
  const { fields, max, check } = valuePlan(op, settings.strict, normalised);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const v = record[f.name];
    if (typeof v !== 'string') continue;
    if (v === '') {
      if (f.required) report.error(f.name, 'required');
      continue;
    }
    if (f.required && v.trim() === '') {
      report.error(f.name, 'required');
      (failed ??= new Set()).add(f.name);
      continue;
    }
    const m = max[i];
    // A string has at most as many characters as UTF-16 units: most need no count.
    if (m !== undefined && v.length > m && length(v) > m) {
      report.error(f.name, 'maxLength', { max: m, length: length(v) });
      (failed ??= new Set()).add(f.name);
      continue;
    }
    if (check[i] && !checkValue(op, f, v, settings, report)) (failed ??= new Set()).add(f.name);
  }
  for (const g of groups(op)) checkGroup(g, record, settings, failed, report);
  return report;
}

/** Per field, in table order, what inspectValues does: worked out once per operation, strictness and origin. */
interface ValuePlan {
  fields: readonly FieldSpec[];
  max: readonly (number | undefined)[];
  /** Whether checkValue runs (not for the kinds of NORMALISED, when the record comes from prepare). */
  check: readonly boolean[];
}
const valuePlans = new WeakMap<OperationSpec, ValuePlan[]>();

function valuePlan(op: OperationSpec, strict: boolean, normalised: boolean): ValuePlan {
  let list = valuePlans.get(op);
  if (!list) valuePlans.set(op, (list = []));
  const at = (strict ? 2 : 0) + (normalised ? 1 : 0);
  return (list[at] ??= {
    fields: op.fields,
    max: op.fields.map((f) => maxOf(f, strict)),
    check: op.fields.map((f) => !(normalised && NORMALISED.has(f.kind))),
  });
}

/** A group's value as sent: a non-empty string. */
function given(f: FieldSpec | undefined, record: Record<string, unknown>): string | undefined {
  const v = f ? record[f.name] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function passed(f: FieldSpec | undefined, v: string | undefined, failed: Set<string> | undefined): string | undefined {
  return v !== undefined && !failed?.has(f!.name) ? v : undefined;
}

/** D13, D18: one address group as a whole — complete, and each code inside its parent. */
function checkGroup(g: Group, record: Record<string, unknown>, settings: Settings, failed: Set<string> | undefined, report: Report): void {
  const gp = given(g.province, record);
  const gd = given(g.district, record);
  const gc = given(g.commune, record);
  // Codes that passed their own checks.
  const p = passed(g.province, gp, failed);
  const d = passed(g.district, gd, failed);
  const c = passed(g.commune, gc, failed);
  // A commune without its parents cannot be placed; a group is all or nothing.
  if (gc !== undefined || gd !== undefined) {
    const wth = (gc !== undefined ? g.commune : g.district)!.name;
    const optional = !groupRequired(g);
    if (g.province && gp === undefined && (optional || !g.province.required)) report.error(g.province.name, 'groupIncomplete', { with: wth });
    const needsDistrict = settings.codeSet === 'pre-2025' || settings.district2025 !== 'old';
    if (needsDistrict && g.district && gd === undefined && (optional || !g.district.required)) report.error(g.district.name, 'groupIncomplete', { with: wth });
  }
  if (settings.codeSet === 'pre-2025') {
    const dist = d ? units.district(d) : undefined;
    const com = c ? units.commune(c, 'pre-2025') : undefined;
    if (dist && p && dist.province !== p) report.error(g.district!.name, 'unitNotInProvince', { code: d!, province: p });
    else if (com && d && dist && com.district !== d) report.error(g.commune!.name, 'unitNotInDistrict', { code: c!, district: d });
    else if (com && p && !d && com.province !== p) report.error(g.commune!.name, 'unitNotInProvince', { code: c!, province: p });
  } else {
    const com = c ? units.commune(c, '2025') : undefined;
    if (com && p && com.province !== p) report.error(g.commune!.name, 'unitNotInProvince', { code: c!, province: p });
    if (gd !== undefined && d !== undefined) {
      const expected = settings.district2025 === 'province' ? p?.padStart(3, '0') : settings.district2025 === 'empty' ? '000' : c ? units.oldDistrictOf(c) : undefined;
      if (expected !== undefined && d !== expected) report.error(g.district!.name, 'districtSetting', { value: d, expected, mode: settings.district2025 });
    }
  }
}

/** One present string value; true when it passed (so the group checks may use it). */
function checkValue(op: OperationSpec, f: FieldSpec, v: string, s: Settings, report: Report): boolean {
  const strict = s.strict;
  const n = report.errors.length;
  switch (f.kind) {
    case 'text': case 'code': case 'procedureName': case 'email': case 'phone': case 'url': {
      const bad = controlChar(v, f.kind !== 'code');
      if (bad) report.error(f.name, 'controlChar', { char: bad });
      else if (!isNfc(v)) report.flag(strict, f.name, 'notNfc');
      if (!strict && f.strictMax !== undefined && v.length > f.strictMax && length(v) > f.strictMax) report.warn(f.name, 'maxLengthStrict', { max: f.strictMax, length: length(v) });
      if (f.kind === 'url' && !wireUrl(v)) report.error(f.name, 'url', { value: v.length > 60 ? `${v.slice(0, 60)}…` : v });
      break;
    }
    case 'personalId': {
      const bad = wirePersonalId(v);
      if (bad) report.error(f.name, bad, { value: maskId(v), length: v.length });
      else if (v.length === 9) report.warn(f.name, 'oldCmnd', { value: maskId(v) });
      break;
    }
    case 'gender':
      if (gender.find(v)?.id !== v) report.error(f.name, 'genderUnknown', { value: v });
      break;
    case 'ethnicity': {
      const e = ethnicity.find(v, s.ethnicityCode);
      if ((s.ethnicityCode === 'gso' ? e?.gso : e?.id) !== v) report.error(f.name, 'ethnicityUnknown', { value: v, system: s.ethnicityCode });
      break;
    }
    case 'issuingPlace':
      if (issuingPlace.find(v)?.id !== v) report.error(f.name, 'issuingPlaceUnknown', { value: v });
      break;
    case 'procedure': {
      const p = procedure.find(v);
      if (!p) report.flag(strict, f.name, 'procedureUnknown', { value: v });
      else if (p.code !== v) report.flag(strict, f.name, 'procedureCode', { value: v, code: p.code });
      break;
    }
    case 'province': case 'district': case 'commune':
      checkUnit(f, v, s, report);
      break;
    case 'date':
      checkDate(op, f, v, s, report);
      break;
    case 'extentData':
      checkExtentData(f, v, report);
      break;
  }
  return report.errors.length === n;
}

function unitIn(kind: 'province' | 'commune', v: string, set: 'pre-2025' | '2025') {
  return kind === 'province' ? units.province(v, set) : units.commune(v, set);
}

function checkUnit(f: FieldSpec, v: string, s: Settings, report: Report): void {
  const kind = f.kind as UnitKind;
  const width = WIDTH[kind];
  if (!CODE_PATTERN[kind].exact.test(v)) {
    report.error(f.name, 'codeFormat', { value: v.slice(0, 20), digits: width });
    return;
  }
  if (kind === 'district') {
    // Since 2025 MaHuyen is whatever the connection's district2025 says; only "old" names a real unit.
    if ((s.codeSet === 'pre-2025' || s.district2025 === 'old') && !units.district(v)) report.error(f.name, 'unitUnknown', { code: v, set: 'pre-2025' });
    return;
  }
  if (unitIn(kind, v, s.codeSet)) return;
  const find = (set: 'pre-2025' | '2025') => unitIn(kind, v, set);
  if (s.codeSet === '2025' && find('pre-2025')) {
    const to = kind === 'province' ? [units.provinceToNew(v)].filter(Boolean) : units.toNew(v);
    report.error(f.name, 'unitOldSet', { code: v, candidates: to.map((u) => `${u!.code} ${u!.name}`).join(', ') || '—' });
  } else if (s.codeSet === 'pre-2025' && find('2025')) report.error(f.name, 'unitNewSet', { code: v });
  else report.error(f.name, 'unitUnknown', { code: v, set: s.codeSet });
}

