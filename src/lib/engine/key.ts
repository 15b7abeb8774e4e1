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
  const parts = Object.keys(obj)
    .filter((k) => obj[k] !== undefined) // as JSON.stringify: an undefined field is not sent
    .sort()
    .map((k) => JSON.stringify(k) + ':' + canonical(obj[k]));
  return '{' + parts.join(',') + '}';
}

/** Content hash of a wire record: tells "already delivered" from "changed since". */
export function hashOf(record: unknown): string {
  return createHash('sha256').update(canonical(record)).digest('hex').slice(0, 32);
}
