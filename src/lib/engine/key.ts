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
 * Every record of a backfill has one of a few key lists: each is sorted once (the list as
 * written -> sorted), and each key quoted once. Both bounded, as keys may come from a payload.
 */
const orders = new Map<string, string[]>();
const quotes = new Map<string, string>();
const BOUND = 1000;

function sorted(keys: string[]): string[] {
  let id = '';
  for (const k of keys) {
    // A key holding the separator could make two lists one id: such a list is sorted each time.
    if (k.includes('\u0000')) return keys.slice().sort();
    id += k + '\u0000';
  }
  let s = orders.get(id);
  if (!s) {
    if (orders.size >= BOUND) orders.clear();
    orders.set(id, (s = keys.slice().sort()));
  }
  return s;
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
