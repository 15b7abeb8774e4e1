import type { FieldSpec, OperationSpec } from '../fields/types';
import type { Report } from './report';
import { absent } from './report';
import { layout } from './layout';
import { problem, type Problem } from '../problem';

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
  /** By table name (layout(op).blank(): every field, undefined when the input has none). */
  values: Record<string, unknown>;
  aliases: readonly { from: string; to: string }[];
}

/**
 * Maps input keys to table fields. Every spelling other than the exact table
 * name is reported (alias list and warning); unknown keys are dropped with a
 * single warning that lists them, so a typo'd column is visible but never sent.
 */
export function matchKeys(op: OperationSpec, input: Record<string, unknown>, report: Report): Matched {
  const keys = Object.keys(input);
  const plan = planOf(op, keys);
  if (plan) {
    // The usual case: each field spelled once. What a spelling reaches was worked out once for these columns.
    const values = layout(op).blank();
    for (let i = 0; i < keys.length; i++) {
      const f = plan.fields[i];
      if (f) values[f.name] = input[keys[i]];
    }
    // The same columns, the same words: made once with the plan (frozen; rendered before anyone sees them).
    for (let i = 0; i < plan.warnings.length; i++) report.warnings.push(plan.warnings[i]);
    return { values, aliases: plan.aliases };
  }
  return matchEach(op, input, report);
}

/** What a set of columns (in order) reaches: only for columns that spell no field twice. */
interface KeyPlan {
  keys: string[];
  fields: (FieldSpec | undefined)[];
  aliases: readonly { from: string; to: string }[];
  /** One 'alias' per alias, then 'unknownFields' when a column reaches no field. */
  warnings: readonly Problem[];
}
/**
 * Plans per operation, by the columns' names: a backfill's rows carry the same few sets of
 * columns, so each set is matched once. The last plan is tried first (consecutive rows of one
 * query), then a tree of the names in order: a look-up per column, nothing built per record
 * (a joined signature was a string of the whole header per row). A flow that invents keys
 * cannot grow the tree beyond MAX_PLANS plans: it starts again.
 */
interface KeyNode {
  next?: Map<string, KeyNode>;
  /** The plan of the columns that end here; null: none can be made (a field spelled twice). */
  plan?: KeyPlan | null;
}
const keyPlans = new WeakMap<OperationSpec, { last?: KeyPlan; root: KeyNode; plans: number }>();
const MAX_PLANS = 256;

function planOf(op: OperationSpec, keys: string[]): KeyPlan | undefined {
  let cache = keyPlans.get(op);
  if (!cache) keyPlans.set(op, (cache = { root: {}, plans: 0 }));
  const last = cache.last;
  if (last && sameKeys(last.keys, keys)) return last;
  let node: KeyNode | undefined = cache.root;
  for (let i = 0; i < keys.length && node; i++) node = node.next?.get(keys[i]);
  let plan = node?.plan;
  if (plan === undefined) {
    plan = buildPlan(op, keys);
    if (cache.plans >= MAX_PLANS) {
      cache.root = {};
      cache.plans = 0;
    }
    node = cache.root;
    for (const k of keys) {
      let n: KeyNode | undefined = node.next?.get(k);
      if (!n) (node.next ??= new Map()).set(k, (n = {}));
      node = n;
    }
    node.plan = plan;
    cache.plans += 1;
  }
  if (plan) cache.last = plan;
  return plan ?? undefined;
}

/** null when some field is spelled twice (the values then decide, record by record). */
function buildPlan(op: OperationSpec, keys: string[]): KeyPlan | null {
  const fields = keys.map((k) => fieldOf(op, k));
  const named = fields.filter((f): f is FieldSpec => f !== undefined).map((f) => f.name);
  if (new Set(named).size !== named.length) return null;
  const unknown = keys.filter((_, i) => !fields[i]);
  const aliases = keys.flatMap((k, i) => (fields[i] && k !== fields[i]!.name ? [Object.freeze({ from: k, to: fields[i]!.name })] : []));
  const warnings = aliases.map((a) => problem(a.to, 'alias', { from: a.from, to: a.to }));
  if (unknown.length) warnings.push(problem(null, 'unknownFields', { names: unknown.join(', '), count: unknown.length }));
  for (const w of warnings) Object.freeze(Object.freeze(w).params);
  return { keys: keys.slice(), fields, aliases: Object.freeze(aliases), warnings: Object.freeze(warnings) };
}

/** The same column names in the same order. */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Key by key, for columns that spell a field twice: fine when they agree or one is blank. */
export function matchEach(op: OperationSpec, input: Record<string, unknown>, report: Report): Matched {
  const values = layout(op).blank();
  const source = new Map<string, string>();
  const aliases: { from: string; to: string }[] = [];
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
      const old = values[field.name];
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
    values[field.name] = value;
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
