import { decision } from './decision';
import { dossier as deployedDossier } from './deployed';
import { dossier } from './dossier';
import { progress } from './progress';
import { PROFILES, type OperationId, type OperationSpec, type Profile } from './types';

export * from './types';
export { dossier, progress, decision };

export const operations: Record<OperationId, OperationSpec> = { dossier, progress, decision };

/** D20: the field tables of each profile; the annex's is `operations`. */
export const profiles: Record<Profile, Record<OperationId, OperationSpec>> = {
  annex: operations,
  deployed: { dossier: deployedDossier, progress, decision },
};

/**
 * D20: the names a profile sends some fields under, where peers differ from the annex (a
 * connection's own setting replaces it): the deployed system's SubmitedDate, with one "t".
 */
export const EMIT_NAMES: Record<Profile, Record<string, string>> = {
  annex: {},
  deployed: { SubmittedDate: 'SubmitedDate' },
};

/** A profile's name as a setting, a query or a request gives it; undefined when it names none. */
export function profileNamed(v: unknown): Profile | undefined {
  return PROFILES.find((p) => p === v);
}

/** Operation by id ("dossier") or API name ("DongBoDVC"), in a profile (the annex's by default). */
export function operation(name: string, profile: Profile = 'annex'): OperationSpec {
  const table = Object.prototype.hasOwnProperty.call(profiles, profile) ? profiles[profile] : operations;
  const own = Object.prototype.hasOwnProperty.call(table, name) ? (table as Record<string, OperationSpec>)[name] : undefined;
  const op = own ?? Object.values(table).find((o) => o.api === name);
  if (!op) throw new Error(`unknown BTXH operation: ${name}`);
  return op;
}

/** The API name of an operation id (DongBoDVC for dossier); an id no table has, as it is. */
export function apiOf(id: string): string {
  const own = Object.prototype.hasOwnProperty.call(operations, id) ? (operations as Record<string, OperationSpec>)[id] : undefined;
  return own ? own.api : id;
}

/** The GetToken path (D11, D16 mode a). */
export const TOKEN_PATH = '/api/v1/Service/GetToken';
