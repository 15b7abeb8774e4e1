import type { FieldSpec, OperationSpec } from '../fields/types';
import type { Report } from './report';
import { absent } from './report';

/**
 * D2: input names are matched ignoring case and spaces, so the seed's own
 * spellings (HKTTC_*, PhongBanXuLy, " UserIdCreated") and a database's
 * "hovaten" column all reach the table's field.
 */
export function fold(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}

/** Folded input name -> table field, for one operation. */
const indexes = new WeakMap<OperationSpec, Map<string, FieldSpec>>();

export function fieldIndex(op: OperationSpec): Map<string, FieldSpec> {
  let index = indexes.get(op);
  if (!index) {
    index = new Map();
    for (const f of op.fields) index.set(fold(f.name), f);
    // Table names win over aliases if a table ever reuses a spelling.
    for (const f of op.fields) for (const a of f.aliases ?? []) if (!index.has(fold(a))) index.set(fold(a), f);
    indexes.set(op, index);
  }
  return index;
}

/**
 * Input key as written -> table field (null: none), per operation: a backfill's rows all
 * carry the same columns, so each spelling is folded once. Bounded: a flow that invents
 * keys (a payload of ids as keys) cannot grow it without end.
 */
const spellings = new WeakMap<OperationSpec, Map<string, FieldSpec | null>>();
const MAX_SPELLINGS = 10_000;

function fieldOf(op: OperationSpec, key: string): FieldSpec | undefined {
  let known = spellings.get(op);
  if (!known) spellings.set(op, (known = new Map()));
  let f = known.get(key);
  if (f === undefined) {
    f = fieldIndex(op).get(fold(key)) ?? null;
    if (known.size >= MAX_SPELLINGS) known.clear();
    known.set(key, f);
  }
  return f ?? undefined;
}

export interface Matched {
  values: Map<string, unknown>;
  aliases: { from: string; to: string }[];
}

/**
 * Maps input keys to table fields. Every spelling other than the exact table
 * name is reported (alias list and warning); unknown keys are dropped with a
 * single warning that lists them, so a typo'd column is visible but never sent.
 */
export function matchKeys(op: OperationSpec, input: Record<string, unknown>, report: Report): Matched {
  const values = new Map<string, unknown>();
  const source = new Map<string, string>();
  const aliases: Matched['aliases'] = [];
  const unknown: string[] = [];
  for (const key of Object.keys(input)) {
    const value = input[key];
    const field = fieldOf(op, key);
    if (!field) {
      unknown.push(key);
      continue;
    }
    const prev = source.get(field.name);
    if (prev !== undefined) {
      // Two spellings of one field: fine when they agree or one is blank.
      const old = values.get(field.name);
      if (absent(value)) continue;
      if (!absent(old) && !same(old, value)) {
        report.error(field.name, 'duplicateField', { from: key, other: prev });
        continue;
      }
    }
    if (key !== field.name) {
      aliases.push({ from: key, to: field.name });
      report.warn(field.name, 'alias', { from: key, to: field.name });
    }
    values.set(field.name, value);
    source.set(field.name, key);
  }
  if (unknown.length) report.warn(null, 'unknownFields', { names: unknown.join(', '), count: unknown.length });
  return { values, aliases };
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return String(a).trim() === String(b).trim();
}
