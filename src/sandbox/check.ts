import type { OperationSpec } from '../lib/fields';
import { problem, type Problem } from '../lib/problem';
import type { Settings } from '../lib/settings';

/**
 * INTERIM wire check, until lib/schema.ts (checkWire) lands: required fields,
 * wire types and maximum lengths from the field table. Same signature as
 * checkWire, so swapping it is a one-line change here.
 */
export function check(op: OperationSpec, record: unknown, settings?: Partial<Settings>): Problem[] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return [problem(null, 'notObject')];
  const r = record as Record<string, unknown>;
  const out: Problem[] = [];
  for (const f of op.fields) {
    const v = r[f.name];
    if (v === undefined || v === null || v === '') {
      if (f.required) out.push(problem(f.name, 'required'));
      continue;
    }
    if (f.type === 'int') {
      if (typeof v !== 'number' || !Number.isInteger(v)) out.push(problem(f.name, 'type', { type: 'int' }));
      continue;
    }
    if (typeof v !== 'string') {
      out.push(problem(f.name, 'type', { type: 'string' }));
      continue;
    }
    const max = settings?.strict && f.strictMax ? f.strictMax : f.max;
    if (max !== undefined && [...v].length > max) out.push(problem(f.name, 'maxLength', { max }));
  }
  return out;
}
