import type { FactName, OperationSpec } from '../fields/types';
import type { Facts } from '../outbox/store';

/** Per operation, the fields its table marks with a fact: found once, read for every record. */
const marked = new WeakMap<OperationSpec, [FactName, string][]>();

/**
 * What a report counts a wire record by (issue 14): the values of the fields its operation's
 * table marks (`fact`), as sent — the procedure, the handling unit's codes, SubmittedDate's
 * text (parsed only when a report asks). Undefined when the table marks none (steps, decisions).
 */
export function factsOf(op: OperationSpec, record: Record<string, unknown>): Facts | undefined {
  let fields = marked.get(op);
  if (!fields) marked.set(op, (fields = op.fields.filter((f) => f.fact).map((f) => [f.fact!, f.name])));
  if (!fields.length) return undefined;
  let facts: Facts | undefined;
  for (const [fact, name] of fields) {
    const v = record[name];
    if (typeof v === 'string' && v !== '') (facts ??= {})[fact] = v;
  }
  return facts;
}
