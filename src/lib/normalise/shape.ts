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

/** The first reason the record cannot be taken as data, or undefined. The field is the top-level key. */
export function inspectShape(record: unknown): Problem | undefined {
  // The record itself may hold a `then`: that field is named below, not the record.
  const t = typeof record;
  if (t === 'function' || t === 'symbol' || t === 'bigint') return problem(null, 'notObject');
  if (typeof record !== 'object' || record === null) return undefined;
  let chars = 0;
  const stack: { v: unknown; depth: number; field: string | null }[] = [{ v: record, depth: 1, field: null }];
  while (stack.length) {
    const { v, depth, field } = stack.pop()!;
    if (typeof v === 'string') {
      chars += v.length;
      if (chars > MAX_CHARS) return problem(field, 'tooLarge', { max: MAX_CHARS });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_DEPTH) return problem(field, 'tooDeep', { max: MAX_DEPTH });
    const list = children(v);
    if (list === UNREADABLE) return problem(field, 'notJson', { kind: 'unreadable' });
    for (const [k, c] of list) {
      const f = field ?? k;
      const kind = foreign(c);
      if (kind) return problem(f, 'notJson', { kind });
      chars += k.length;
      if (chars > MAX_CHARS) return problem(f, 'tooLarge', { max: MAX_CHARS });
      stack.push({ v: c, depth: depth + 1, field: f });
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
