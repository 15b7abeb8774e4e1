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

/**
 * `parsed`: a record's JSON text columns, parsed once for all the rows that read them.
 * `per`: the per-record message, made only when a row reads more than the record.
 * An outcome, or its promise when the row needs Node-RED's asynchronous evaluation: a
 * backfill's rows are read synchronously, without a promise and a closure per field and record.
 */
type Evaluate = (record: unknown, per: () => NodeMessage, parsed: Map<string, unknown>) => Outcome | Promise<Outcome>;

function message(err: unknown): string {
  const e = err as { message?: string; code?: string } | undefined;
  return String(e?.message ?? e?.code ?? err);
}

/**
 * A `msg` source's path, parsed once by Node-RED's own parser: its steps, or the outcome of a
 * path Node-RED refuses (its own error, for every record); undefined when it has to be parsed per
 * message (a nested `msg.` reference, `payload[msg.topic]`).
 */
function pathOf(RED: Red, value: string): Array<string | number> | Outcome | undefined {
  const expr = value.startsWith('msg.') ? value.slice(4) : value;
  if (/\[msg/.test(expr)) return undefined;
  try {
    return RED.util.normalisePropertyExpression(expr);
  } catch (err) {
    return { error: message(err) };
  }
}

/**
 * Node-RED's getMessageProperty over a parsed path, step for step: a missing step answers
 * undefined, a step under a missing one throws the same TypeError. A path that starts at
 * `payload` starts at the record, which the per-record message's payload is.
 */
function walk(path: Array<string | number>, record: unknown, per: () => NodeMessage): Outcome {
  try {
    let i = 0;
    let obj: unknown;
    if (path[0] === 'payload') {
      obj = record;
      i = 1;
    } else obj = per();
    for (; i < path.length; i++) {
      const v = (obj as Record<string | number, unknown>)[path[i]];
      obj = typeof v !== 'undefined' ? v : undefined;
    }
    return { value: obj };
  } catch (err) {
    return { error: message(err) };
  }
}

/** One row -> a function that evaluates it for one record. JSONata and paths are prepared once. */
function evaluator(RED: Red, node: object, row: Row): Evaluate {
  const { type, value } = row.source;
  if (type === NOT_SENT) return () => ({ notSent: true });
  if (type === 'jsonata') {
    let expr: unknown;
    let compileError: string | undefined;
    try {
      expr = RED.util.prepareJSONataExpression(value, node);
    } catch (err) {
      compileError = message(err);
    }
    if (compileError !== undefined) return () => ({ error: compileError });
    // The preset's idioms, natively where the answer is sure to be JSONata's (../lib/idioms.ts).
    const fast = nativeOf(value);
    return (record, per, parsed) => {
      if (fast) {
        const v = fast(record, parsed);
        if (v !== UNSURE) return { value: v };
      }
      return new Promise((resolve) => {
        try {
          RED.util.evaluateJSONataExpression(expr, per(), (err, v) => resolve(err ? { error: message(err) } : { value: v }));
        } catch (err) {
          resolve({ error: message(err) });
        }
      });
    };
  }
  const path = type === 'msg' ? pathOf(RED, value) : undefined;
  if (Array.isArray(path)) return (record, per) => walk(path, record, per);
  if (path) return () => path;
  return (_record, per) =>
    new Promise((resolve) => {
      try {
        // The callback form: flow and global context may live in an asynchronous store.
        RED.util.evaluateNodeProperty(value, type, node, per(), (err, v) => resolve(err ? { error: message(err) } : { value: v }));
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
  if (!rows.length) return (record: unknown, _msg: NodeMessage): unknown => record;
  const consumed = consumedKeys(rows);
  const evaluators = rows.map((row) => ({ name: row.field.name, evaluate: evaluator(RED, node, row) }));
  /** The raw record, or its promise when a row evaluates asynchronously (context, env, JSONata). */
  return (record: unknown, msg: NodeMessage): unknown | Promise<unknown> => {
    // A per-record message: the record as payload, the rest of msg shallow-copied (never mutated).
    let made: NodeMessage | undefined;
    const per = () => (made ??= { ...msg, payload: record });
    const outcomes = new Map<string, Outcome>();
    const parsed = new Map<string, unknown>();
    let waits: Promise<void>[] | undefined;
    for (const e of evaluators) {
      const o = e.evaluate(record, per, parsed);
      if (o instanceof Promise) {
        outcomes.set(e.name, { notSent: true }); // its place in the order; replaced when it answers
        (waits ??= []).push(o.then((v) => void outcomes.set(e.name, v)));
      } else outcomes.set(e.name, o);
    }
    if (!waits) return applyMapping(op, record, outcomes, consumed);
    return Promise.all(waits).then(() => applyMapping(op, record, outcomes, consumed));
  };
}
