/**
 * The field table is the single source of truth for one BTXH operation: the
 * ajv schema, the normaliser, the editor's mapping table and the docs are all
 * derived from it. Adding an operation means adding a table, not code.
 */

/** Wire type of a field as the seed defines it. */
export type FieldType = 'string' | 'int' | 'date' | 'datetime';

/**
 * What the normaliser does with a field beyond its wire type. Kinds that name a
 * catalogue are resolved through `lib/catalog`.
 */
export type FieldKind =
  | 'text' // free text: NFC, trim, no control characters (D15)
  | 'code' // an identifier such as MaHoSo: like text, no inner whitespace changes
  | 'personalId' // CCCD (12 digits) or old CMND (9 digits, warning) (D14)
  | 'gender' // D4
  | 'ethnicity' // D5
  | 'issuingPlace' // D12
  | 'procedure' // MaTTHC, D6
  | 'procedureName' // TenTTHC, filled from MaTTHC when missing
  | 'province' // GSO, 2 digits (D13, D18)
  | 'district' // GSO, 3 digits
  | 'commune' // GSO, 5 digits
  | 'status' // StatusId, D9
  | 'email'
  | 'phone'
  | 'url' // absolute http(s) URL (FileQuyetDinh)
  | 'extentData' // D20: the deployed CertificateExtentData XML, built by an XML library from a link or an object
  | 'date'; // date/datetime values (D3)

/** The facts of a record a report groups by (issue 14): its procedure, handling unit, submission. */
export type FactName = 'procedure' | 'province' | 'district' | 'commune' | 'submitted';

/** Which address a province/district/commune field belongs to, for hierarchy checks. */
export type AddressGroup = 'handling' | 'permanent' | 'current';

export interface Text {
  vi: string;
  en: string;
}

export interface FieldSpec {
  /** The name sent on the wire: the seed's table spelling (D2). */
  name: string;
  type: FieldType;
  kind: FieldKind;
  /** Maximum length in characters (D15). */
  max?: number;
  /** A tighter maximum enforced only in strict mode (D8). */
  strictMax?: number;
  required: boolean;
  /** Input spellings accepted besides `name` (matched case-insensitively, spaces ignored). */
  aliases?: string[];
  /** Default output format (luxon tokens) for date and datetime fields (D3). */
  format?: string;
  /** For administrative-unit fields: which address they describe. */
  group?: AddressGroup;
  /** What a report counts the record by, read from this field (../report/facts.ts). */
  fact?: FactName;
  /** Meaning, for the editor and the docs. */
  doc: Text;
}

export type OperationId = 'dossier' | 'progress' | 'decision';

/**
 * D20: which field tables a connection speaks. `annex`: the ministry's annex (the default);
 * `deployed`: the superset a deployed province sends (DongBoDVC with 47 fields; the others as
 * in the annex).
 */
export type Profile = 'annex' | 'deployed';
export const PROFILES: readonly Profile[] = ['annex', 'deployed'];

export interface OperationSpec {
  id: OperationId;
  /** The profile this table belongs to (D20). */
  profile: Profile;
  /** The seed's operation name, also the last segment of its default path. */
  api: 'DongBoDVC' | 'XuLyHoSo' | 'FileQuyetDinh';
  /** Default path relative to the connection's base URL. */
  path: string;
  title: Text;
  fields: FieldSpec[];
  /** Fields whose values make a record's idempotency key (with the operation id). */
  keyFields: string[];
}

/** The largest Int32 (2^31 - 1): BTXH is a .NET service and reads an int field as one. */
export const INT32_MAX = 2_147_483_647;
