import type { OperationSpec } from '../lib/fields';
import { nativeOf, UNSURE } from '../lib/idioms';
import { applyMapping, consumedKeys, NOT_SENT, rowsOf, type Mapping as LibMapping, type Outcome, type Row } from '../lib/mapping';
import type { Node, NodeMessage, Red } from './red';

/**
 * The field mapping of a sync node: where each BTXH field comes from. The
 * default maps every field from the same-named property of the record (aliases
 * included), so the identity case needs no configuration. Other rows are
 * Node-RED TypedInput values, evaluated per record with a message whose
 * `payload` is that record (so `msg.payload.ChuHoSo` works when msg.payload is
 * an array of records). The domain part lives in `lib/mapping`.
 */
export type Mapping = LibMapping;

/** `parsed`: a record's JSON text columns, parsed once for all the rows that read them. */
type Evaluate = (record: unknown, msg: NodeMessage, parsed: Map<string, unknown>) => Promise<Outcome>;

function message(err: unknown): string {
  const e = err as { message?: string; code?: string } | undefined;
  return String(e?.message ?? e?.code ?? err);
}

/** One row -> a function that evaluates it for one per-record message. JSONata is prepared once. */
function evaluator(RED: Red, node: object, row: Row): Evaluate {
  const { type, value } = row.source;
  if (type === NOT_SENT) return async () => ({ notSent: true });
  if (type === 'jsonata') {
    let expr: unknown;
    let compileError: string | undefined;
    try {
      expr = RED.util.prepareJSONataExpression(value, node);
    } catch (err) {
      compileError = message(err);
    }
    // The preset's idioms, natively where the answer is sure to be JSONata's (../lib/idioms.ts).
    const fast = compileError === undefined ? nativeOf(value) : undefined;
    return (record, msg, parsed) =>
      new Promise((resolve) => {
        if (compileError !== undefined) return resolve({ error: compileError });
        if (fast) {
          const v = fast(record, parsed);
          if (v !== UNSURE) return resolve({ value: v });
        }
        try {
          RED.util.evaluateJSONataExpression(expr, msg, (err, v) => resolve(err ? { error: message(err) } : { value: v }));
        } catch (err) {
          resolve({ error: message(err) });
        }
      });
  }
  return (_record, msg) =>
    new Promise((resolve) => {
      try {
        // The callback form: flow and global context may live in an asynchronous store.
        RED.util.evaluateNodeProperty(value, type, node, msg, (err, v) => resolve(err ? { error: message(err) } : { value: v }));
      } catch (err) {
        resolve({ error: message(err) });
      }
    });
}

/**
 * Compiles a node's mapping once; the result maps one record. It never
 * throws: an evaluation error rides on the raw record as a field-level
 * problem (`lib/mapping` prepareMapped reports it), so the record leaves on
 * output 2 as invalid.
 */
export function compileMapping(RED: Red, node: Node | object, op: OperationSpec, mapping: Mapping | undefined) {
  const { rows } = rowsOf(op, mapping);
  if (!rows.length) return async (record: unknown, _msg: NodeMessage): Promise<unknown> => record;
  const consumed = consumedKeys(rows);
  const evaluators = rows.map((row) => ({ name: row.field.name, evaluate: evaluator(RED, node, row) }));
  return async (record: unknown, msg: NodeMessage): Promise<unknown> => {
    // A per-record message: the record as payload, the rest of msg shallow-copied (never mutated).
    const per: NodeMessage = { ...msg, payload: record };
    const outcomes = new Map<string, Outcome>();
    const parsed = new Map<string, unknown>();
    for (const e of evaluators) outcomes.set(e.name, await e.evaluate(record, per, parsed));
    return applyMapping(op, record, outcomes, consumed);
  };
}
