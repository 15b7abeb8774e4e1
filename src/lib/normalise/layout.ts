import type { OperationSpec } from '../fields/types';

/**
 * The objects prepare builds, laid out once per field table.
 *
 * V8 keeps an object's properties in a fixed layout (fast, read at a known offset) only
 * while it has few enough of them added by computed name: past 16, `record[f.name] = v`
 * turns it into a hash table. A dossier has 27 fields, so every wire record was one, and
 * every later read of it — the wire check, ajv, the content hash, JSON.stringify, the copy
 * to the outbox's thread — was a hash look-up (the wire check alone 30% faster without).
 * So both objects are made by functions written once from the table with one named
 * property each, in table order: the names are the table's own, never input.
 */
export interface Layout {
  /** Every field of the table, undefined: prepare's working record, filled by name without changing its layout. */
  blank(): Record<string, unknown>;
  /** The wire record of `out`: its fields that are not undefined, in table order. */
  wire(out: Record<string, unknown>): Record<string, unknown>;
}

const layouts = new WeakMap<OperationSpec, Layout>();

export function layout(op: OperationSpec): Layout {
  let l = layouts.get(op);
  if (!l) {
    const names = op.fields.map((f) => JSON.stringify(f.name));
    l = {
      blank: new Function(`return { ${names.map((n) => `${n}: undefined`).join(', ')} };`) as Layout['blank'],
      wire: new Function('o', `const r = {};\n${names.map((n) => `if (o[${n}] !== undefined) r[${n}] = o[${n}];`).join('\n')}\nreturn r;`) as Layout['wire'],
    };
    layouts.set(op, l);
  }
  return l;
}
