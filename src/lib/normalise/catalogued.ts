import { ethnicity, gender, issuingPlace, procedure } from '../catalog';
import type { FieldSpec } from '../fields/types';
import type { Settings } from '../settings';
import type { Report } from './report';
import { asString, cleanText, checkLength } from './text';
import { own } from '../own';

/**
 * Fields whose value is a catalogue entry (seed section VI). The input may be
 * an id, a code or a name; the wire carries the catalogue's own form.
 */

/** D4: optional, so an unknown value ("NA" in the seed's own example) is omitted with a warning. */
export function normaliseGender(field: FieldSpec, input: unknown, report: Report): string | undefined {
  const g = gender.find(typeof input === 'string' ? input.normalize('NFC').trim() : input);
  if (g) return g.id;
  report.warn(field.name, 'genderUnknown', { value: shown(input) });
  return undefined;
}

/**
 * D5: the connection setting decides both how a bare number is read and what
 * is sent (ids 29–54 are also GSO codes, so it is never guessed per record).
 */
export function normaliseEthnicity(field: FieldSpec, input: unknown, settings: Settings, report: Report): string | undefined {
  const e = ethnicity.find(typeof input === 'string' ? input.normalize('NFC') : input, settings.ethnicityCode);
  if (e) return settings.ethnicityCode === 'gso' ? e.gso : e.id;
  report.error(field.name, 'ethnicityUnknown', { value: shown(input), system: settings.ethnicityCode });
  return undefined;
}

/**
 * D12: the catalogue id. The seed lost the entries of three provinces: for
 * those, and for anything unknown, the optional field is left empty with a
 * warning — a wrong id would be worse than none.
 */
export function normaliseIssuingPlace(field: FieldSpec, input: unknown, report: Report): string | undefined {
  const text = typeof input === 'string' ? input.normalize('NFC').trim() : input;
  const p = issuingPlace.find(text);
  if (p) return p.id;
  const gap = issuingPlace.missing(text);
  if (gap) report.warn(field.name, 'issuingPlaceMissing', { name: gap });
  else report.warn(field.name, 'issuingPlaceUnknown', { value: shown(input) });
  return undefined;
}

/** D6: send the national code; a code outside the 11 is passed on, warned (error in strict mode). */
export function normaliseProcedure(field: FieldSpec, input: unknown, settings: Settings, report: Report): string | undefined {
  const raw = asString(field, input, report);
  if (raw === undefined) return undefined;
  const s = cleanText(field, raw, report);
  if (!s) return undefined;
  // The province's own procedure codes first (its one-stop database rarely holds the national ones).
  const p = procedure.find(own(settings.procedureMap, s) ?? s);
  if (p) {
    if (p.code !== s) report.warn(field.name, 'procedureCode', { value: s, code: p.code });
    return p.code;
  }
  report.flag(settings.strict, field.name, 'procedureUnknown', { value: s });
  return checkLength(field, s, settings.strict, report) ? s : undefined;
}

/** TenTTHC from the catalogue when the input has none. */
export function procedureName(code: string | undefined): string | undefined {
  return code === undefined ? undefined : procedure.find(code)?.name;
}

function shown(input: unknown): string {
  const s = typeof input === 'object' ? JSON.stringify(input) : String(input);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
