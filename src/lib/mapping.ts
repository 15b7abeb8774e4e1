import type { FieldSpec, OperationSpec } from './fields/types';
import { maskId } from './mask';
import { prepare, type Prepared, type PrepareOptions } from './normalise';
import { fieldIndex, fold } from './normalise/keys';
import { problem, type Problem } from './problem';
import type { Settings } from './settings';
import { setOwn } from './own';

/**
 * The field mapping of a sync node: where each BTXH field of a record comes
 * from. A row is a Node-RED TypedInput value `{type, value}`; rows left at
 * "default" are not stored, so the identity case is an empty object.
 *
 * - `default`: the same-named property of the record, aliases included (D2);
 * - `notSent`: the field and its aliases are removed from the record;
 * - any other type (msg, flow, global, jsonata, str, num, env) is evaluated by
 *   the Node-RED adapter, per record, with `msg.payload` = that record.
 *
 * This module never imports Node-RED: the adapter evaluates the sources and
 * hands the values to `applyMapping`.
 */
export interface Source {
  type: string;
  value: string;
}
export type Mapping = Record<string, Source>;

export const DEFAULT = 'default';
export const NOT_SENT = 'notSent';

/** Source types the editor offers besides default and notSent. */
export const SOURCE_TYPES = ['msg', 'flow', 'global', 'jsonata', 'str', 'num', 'env'] as const;

export interface Row {
  field: FieldSpec;
  source: Source;
}

/**
 * The rows of a stored mapping that change something, in table order. Rows of
 * fields the table does not know and rows of unknown type are ignored and
 * returned as `ignored`, so an old flow never breaks a node.
 */
export function rowsOf(op: OperationSpec, mapping: unknown): { rows: Row[]; ignored: string[] } {
  const rows: Row[] = [];
  const ignored: string[] = [];
  const m = mapping && typeof mapping === 'object' && !Array.isArray(mapping) ? (mapping as Record<string, unknown>) : {};
  const byName = new Map(op.fields.map((f) => [f.name, f]));
  for (const [name, raw] of Object.entries(m)) {
    const field = byName.get(name);
    const s = raw as Partial<Source> | null;
    const type = s && typeof s === 'object' ? String(s.type ?? DEFAULT) : DEFAULT;
    if (!field || !(type === DEFAULT || type === NOT_SENT || (SOURCE_TYPES as readonly string[]).includes(type))) {
      ignored.push(name);
      continue;
    }
    if (type === DEFAULT) continue;
    rows.push({ field, source: { type, value: s?.value === undefined || s.value === null ? '' : String(s.value) } });
  }
  rows.sort((a, b) => op.fields.indexOf(a.field) - op.fields.indexOf(b.field));
  return { rows, ignored };
}

/**
 * Record columns a mapping reads by a plain msg path (`payload.ChuHoSo`,
 * `payload["Chu Ho So"]`): they are used, so the normaliser should not list
 * them as unknown input fields. JSONata sources are not analysed.
 */
export function consumedKeys(rows: Row[]): Set<string> {
  const keys = new Set<string>();
  for (const r of rows) {
    if (r.source.type !== 'msg') continue;
    const m = /^payload(?:\.([A-Za-z_$][\w$]*)|\[\s*(["'])(.*)\2\s*\])$/.exec(r.source.value.trim());
    if (m) keys.add(m[1] ?? m[3]);
  }
  return keys;
}

/** A row's outcome for one record: a value, "not sent", or an evaluation error. */
export type Outcome = { value: unknown } | { notSent: true } | { error: string };

/** Problems of the mapping step ride on the raw record without becoming one of its keys. */
const PROBLEMS = Symbol('btxh.mappingProblems');

/**
 * Builds the raw record the normaliser reads: the record's own properties,
 * except that every mapped field (and its aliases, D2) is replaced by the
 * row's value, or removed when the row is "not sent" or its value undefined.
 * An evaluation error becomes a field-level problem (code `mapping`).
 */
export function applyMapping(op: OperationSpec, record: unknown, outcomes: Map<string, Outcome>, consumed: ReadonlySet<string> = new Set()): unknown {
  if (!outcomes.size) return record;
  if (!record || typeof record !== 'object' || Array.isArray(record) || record instanceof Date) {
    // Nothing to map from: the normaliser reports notObject.
    return record;
  }
  const index = fieldIndex(op);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
    const f = index.get(fold(key));
    if (f && outcomes.has(f.name)) continue;
    // A column a msg source read (ChuHoSo for HoVaTen) is not reported as an unknown field.
    if (!f && consumed.has(key)) continue;
    setOwn(out, key, value);
  }
  const problems: Problem[] = [];
  for (const [name, o] of outcomes) {
    if ('error' in o) problems.push(problem(name, 'mapping', { message: o.error }));
    else if ('value' in o && o.value !== undefined) out[name] = o.value;
  }
  if (problems.length) Object.defineProperty(out, PROBLEMS, { value: problems, enumerable: false });
  return out;
}

/** Problems the mapping step attached to a raw record. */
export function mappingProblems(raw: unknown): Problem[] {
  return raw && typeof raw === 'object' ? ((raw as Record<symbol, Problem[]>)[PROBLEMS] ?? []) : [];
}

/**
 * `prepare` over a mapped record: a field whose source failed is reported once,
 * as a `mapping` error (not also as "required"), and the record is invalid.
 */
export function prepareMapped(op: OperationSpec, raw: unknown, settings?: Partial<Settings>, opts?: PrepareOptions): Prepared {
  const prepared = prepare(op, raw, settings, opts);
  const failed = mappingProblems(raw);
  if (!failed.length) return prepared;
  const fields = new Set(failed.map((p) => p.field));
  return {
    ...prepared,
    record: null,
    errors: [...failed, ...prepared.errors.filter((p) => !fields.has(p.field))],
    warnings: prepared.warnings.filter((p) => !fields.has(p.field)),
  };
}

/** Keys that hold a personal id in the one-stop schemas seen (CMND, SoGiayTo..., SoDinhDanh, CCCD). */
const ID_KEY = /cmnd|cccd|giayto|dinhdanh/i;

/**
 * The values a record carries for the operation's personal ids, whatever their spelling (table
 * name or alias, any case): what maskRecord masks wherever else they appear.
 */
export function personalIds(op: OperationSpec, raw: unknown): unknown[] {
  if (!raw || typeof raw !== 'object') return [];
  const names = new Set(op.fields.filter((f) => f.kind === 'personalId').flatMap((f) => [f.name, ...(f.aliases ?? [])].map(fold)));
  return Object.entries(raw as Record<string, unknown>).filter(([k]) => names.has(fold(k))).map(([, v]) => v);
}

/**
 * A record safe to show in the editor: the personal id is masked wherever it
 * appears — under any id-like key, and as any value equal to one of `ids`
 * (e.g. the CMND a mapping read from a differently named column, or NguoiGui).
 * JSON strings (EformData columns) are masked inside too.
 */
export function maskRecord(value: unknown, ids: unknown[] = []): unknown {
  const known = ids.filter((v) => v !== undefined && v !== null && String(v).trim().length >= 6).map((v) => String(v).trim());
  const maskString = (s: string): string => {
    let r = s;
    for (const id of known) if (r.includes(id)) r = r.split(id).join(maskId(id));
    return r;
  };
  const walk = (v: unknown, key?: string): unknown => {
    if (v === null || v === undefined) return v;
    if (key !== undefined && ID_KEY.test(key) && (typeof v === 'string' || typeof v === 'number')) return maskId(v);
    if (typeof v === 'string') {
      const t = v.trim();
      if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
        try {
          return JSON.stringify(walk(JSON.parse(t)));
        } catch {
          /* not JSON: fall through */
        }
      }
      return maskString(v);
    }
    if (typeof v === 'number') return known.includes(String(v)) ? maskId(v) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v instanceof Date) return v;
    if (typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) setOwn(o, k, walk(x, k));
      return o;
    }
    return v;
  };
  return walk(value);
}

/** The field table as the editor's mapping table shows it. */
export function describeFields(op: OperationSpec) {
  return {
    op: op.id,
    api: op.api,
    profile: op.profile,
    title: op.title,
    keyFields: op.keyFields,
    fields: op.fields.map((f) => ({
      name: f.name,
      type: f.type,
      kind: f.kind,
      required: f.required,
      max: f.max,
      format: f.format,
      aliases: f.aliases ?? [],
      doc: f.doc,
    })),
  };
}
