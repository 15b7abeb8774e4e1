import { setOwn } from '../own';
import { problem, type Problem } from '../problem';

/**
 * What an input record may be before any work is done on it: JSON-shaped data,
 * shallow and small. A record nested 2,000 levels deep, or carrying a function
 * (a `then` makes it a promise to `await`), a BigInt or a symbol, would
 * otherwise break the mapping, the store, or Node-RED's own message copy in a
 * Complete or Catch node. The walk is iterative, so no input can exhaust the
 * stack here.
 */
export const MAX_DEPTH = 16;
/** Characters of keys and strings in one record; the annex's longest record is a few KB. */
export const MAX_CHARS = 256 * 1024;

type Kind = 'function' | 'symbol' | 'bigint' | 'thenable';

function foreign(v: unknown): Kind | 'unreadable' | undefined {
  if (v === UNREADABLE) return 'unreadable';
  const t = typeof v;
  if (t === 'function' || t === 'symbol' || t === 'bigint') return t as Kind;
  try {
    if (t === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function') return 'thenable';
  } catch {
    return 'unreadable'; // a Proxy whose get trap throws
  }
  return undefined;
}

/** Marks a value that could not be read: a getter or a Proxy trap threw. */
const UNREADABLE: unique symbol = Symbol('unreadable');

/**
 * The entries of an object. Reading them runs user code (getters, Proxy traps), which
 * may throw: a value that cannot be read is UNREADABLE, an object whose keys cannot be listed too.
 */
function children(v: object): [string, unknown][] | typeof UNREADABLE {
  let keys: string[];
  try {
    if (v instanceof Date) return [];
    keys = Array.isArray(v) ? Array.from({ length: v.length }, (_, i) => String(i)) : Object.keys(v);
  } catch {
    return UNREADABLE;
  }
  return keys.map((k) => {
    try {
      return [k, (v as Record<string, unknown>)[k]];
    } catch {
      return [k, UNREADABLE];
    }
  });
}

/**
 * The first reason the record cannot be taken as data, or undefined. The field is the top-level key.
 * It runs on every record of a backfill, twice (the input and the mapped record): a plain value is
 * judged where it is found, and only objects wait on the stack (three parallel arrays), so a flat
 * record costs no allocation at all — a pair and a stack frame per value were 3 KB a record.
 */
export function inspectShape(record: unknown): Problem | undefined {
  // The record itself may hold a `then`: that field is named below, not the record.
  const t = typeof record;
  if (t === 'function' || t === 'symbol' || t === 'bigint') return problem(null, 'notObject');
  if (typeof record !== 'object' || record === null) return undefined;
  let chars = 0;
  const stack: object[] = [record];
  const depths: number[] = [1];
  const fields: (string | null)[] = [null];
  while (stack.length) {
    const v = stack.pop()!;
    const depth = depths.pop()!;
    const field = fields.pop()!;
    if (depth > MAX_DEPTH) return problem(field, 'tooDeep', { max: MAX_DEPTH });
    // Reading keys and values runs user code (getters, Proxy traps), which may throw.
    let keys: string[] | undefined;
    let length = 0;
    try {
      if (v instanceof Date) continue;
      if (Array.isArray(v)) length = v.length;
      else keys = Object.keys(v);
    } catch {
      return problem(field, 'notJson', { kind: 'unreadable' });
    }
    const n = keys ? keys.length : length;
    for (let i = 0; i < n; i++) {
      const k = keys ? keys[i]! : String(i);
      let c: unknown;
      try {
        c = (v as Record<string, unknown>)[k];
      } catch {
        return problem(field ?? k, 'notJson', { kind: 'unreadable' });
      }
      const f = field ?? k;
      chars += k.length;
      const ct = typeof c;
      if (ct === 'string') chars += (c as string).length;
      else if (ct === 'object' && c !== null) {
        const kind = foreign(c);
        if (kind) return problem(f, 'notJson', { kind });
        stack.push(c as object);
        depths.push(depth + 1);
        fields.push(f);
      } else if (ct === 'function' || ct === 'symbol' || ct === 'bigint') return problem(f, 'notJson', { kind: ct as Kind });
      if (chars > MAX_CHARS) return problem(f, 'tooLarge', { max: MAX_CHARS });
    }
  }
  return undefined;
}

/**
 * A copy that Node-RED can clone and a debug sidebar can show: nested values
 * below `depth` levels, and values that are not data, become a short text.
 * Used for records refused by `inspectShape`, in place of the record itself.
 */
export function boundedCopy(v: unknown, depth = 4): unknown {
  try {
    return copyOf(v, depth);
  } catch {
    return '[unreadable]'; // a Proxy whose traps throw: nothing of it can be shown
  }
}

function copyOf(v: unknown, depth: number): unknown {
  if (v === UNREADABLE) return '[unreadable]';
  // A thenable object is copied as an object (its `then` becomes "[function]"), so it is no longer one.
  const t = typeof v;
  if (t === 'function' || t === 'symbol' || t === 'bigint') return `[${t}]`;
  if (typeof v === 'string') return v.length > 200 ? v.slice(0, 200) + '…' : v;
  if (typeof v !== 'object' || v === null || v instanceof Date) return v;
  if (depth <= 0) return '[…]';
  const all = children(v);
  if (all === UNREADABLE) return '[unreadable]';
  const list = all.slice(0, 100);
  if (Array.isArray(v)) return list.map(([, c]) => copyOf(c, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [k, c] of list) setOwn(out, k.length > 100 ? k.slice(0, 100) + '…' : k, copyOf(c, depth - 1));
  return out;
}
