import { createHash } from 'crypto';
import type { OperationSpec } from '../fields/types';

/**
 * The idempotency key of a record: operation id + its key fields. Two records
 * with the same key describe the same thing at BTXH (the same dossier, the same
 * processing step), so the outbox sends them in order and never both at once.
 */
export function keyOf(op: Pick<OperationSpec, 'id' | 'keyFields'>, record: Record<string, unknown>): string {
  return op.id + ':' + op.keyFields.map((f) => (record[f] == null ? '' : String(record[f]))).join('|');
}

/** JSON with object keys sorted, so the same content always hashes the same whatever the key order. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',') + ']';
  const obj = value as Record<string, unknown>;
  let out = '{';
  for (const k of sorted(Object.keys(obj))) {
    const v = obj[k];
    if (v === undefined) continue; // as JSON.stringify: an undefined field is not sent
    out += (out.length > 1 ? ',' : '') + quoted(k) + (typeof v === 'string' ? JSON.stringify(v) : canonical(v));
  }
  return out + '}';
}

/**
 * Every record of a backfill has one of a few key lists: each is sorted once, found again by
 * comparing the list as written element by element (no string built per record to look it up),
 * the last one found first. Bounded, as keys may come from a payload; keys are quoted once.
 */
type Order = { keys: string[]; sorted: string[] };
const orders: Order[] = [];
const quotes = new Map<string, string>();
const ORDERS = 32;
const BOUND = 1000;
let last: Order | undefined;

function same(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sorted(keys: string[]): string[] {
  if (last && same(last.keys, keys)) return last.sorted;
  for (const o of orders) if (same(o.keys, keys)) return (last = o).sorted;
  if (orders.length >= ORDERS) orders.length = 0;
  orders.push((last = { keys, sorted: keys.slice().sort() }));
  return last.sorted;
}

function quoted(k: string): string {
  let q = quotes.get(k);
  if (q === undefined) {
    if (quotes.size >= BOUND) quotes.clear();
    quotes.set(k, (q = JSON.stringify(k) + ':'));
  }
  return q;
}

/** Content hash of a wire record: tells "already delivered" from "changed since". */
export function hashOf(record: unknown): string {
  return createHash('sha256').update(canonical(record)).digest('hex').slice(0, 32);
}
