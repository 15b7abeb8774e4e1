/**
 * Native forms of the JSONata idioms the one-stop preset (presets/3-one-stop-typical.json)
 * uses on every record. JSONata compiles a JSON text column as a program on each `$eval`
 * and builds a 54-name list on each evaluation: the preset mapped 1,800 records/s, the
 * whole backfill's bottleneck. Each form here gives JSONata's answer for the inputs it is
 * sure of, and UNSURE for the rest — text that is not JSON (JSONata reads more than JSON),
 * an array or a non-plain object on the way, an object or array at the end, a code that is
 * not a whole number in the list's range — which the caller then hands to JSONata itself.
 * So the answer is always JSONata's; test/mapping.test.js compares both on many inputs.
 *
 *   1. a field of a JSON column:
 *        ($e := $type(payload.C) = "string" ? $eval(payload.C) : payload.C; $e.A.B)
 *   2. a code of a JSON column turned into a name by its place in a list:
 *        ($e := …as above…; $c := $e.A.B; $c ? ($n := ["Kinh", …][$number($c) - 1]; $n ? $n : $c))
 */
export const UNSURE = Symbol('unsure');

/** Evaluates an idiom for one record; `parsed` holds the record's JSON columns, parsed once. */
export type Native = (record: unknown, parsed: Map<string, unknown>) => unknown;

const COLUMN = String.raw`\$e\s*:=\s*\$type\(payload\.([A-Za-z_]\w*)\)\s*=\s*"string"\s*\?\s*\$eval\(payload\.\1\)\s*:\s*payload\.\1\s*;\s*`;
const PATH = String.raw`\$e((?:\.[A-Za-z]\w*)+)`;
const FIELD = new RegExp(String.raw`^\(\s*${COLUMN}${PATH}\s*\)$`);
const NAMED = new RegExp(String.raw`^\(\s*${COLUMN}\$c\s*:=\s*${PATH}\s*;\s*\$c\s*\?\s*\(\s*\$n\s*:=\s*(\[[^\]]*\])\s*\[\s*\$number\(\$c\)\s*-\s*1\s*\]\s*;\s*\$n\s*\?\s*\$n\s*:\s*\$c\s*\)\s*\)$`);

function own(o: object, k: string): unknown {
  return Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined;
}

/** `record[column]`, parsed when it is JSON text (once per record), then `path` through plain objects. */
function follow(record: unknown, column: string, path: string[], parsed: Map<string, unknown>): unknown {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return UNSURE;
  let v = own(record, column);
  if (typeof v === 'string') {
    if (!parsed.has(column)) {
      let j: unknown = UNSURE;
      try {
        j = JSON.parse(v);
      } catch {
        /* not JSON: JSONata decides */
      }
      parsed.set(column, j);
    }
    v = parsed.get(column);
  }
  for (const k of path) {
    if (v === UNSURE) return UNSURE;
    // Nothing to step into: JSONata matches nothing.
    if (v === undefined || v === null || typeof v !== 'object') return undefined;
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return UNSURE;
    v = own(v, k);
  }
  return v === UNSURE || (v !== null && typeof v === 'object') ? UNSURE : v;
}

/** The native form of `expression`, or undefined when it is none of the idioms. */
export function nativeOf(expression: string): Native | undefined {
  const text = expression.trim();
  const field = FIELD.exec(text);
  if (field) {
    const [, column, path] = field;
    const steps = path.slice(1).split('.');
    return (record, parsed) => follow(record, column, steps, parsed);
  }
  const named = NAMED.exec(text);
  if (named) {
    const [, column, path, list] = named;
    let names: unknown;
    try {
      names = JSON.parse(list);
    } catch {
      return undefined;
    }
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n !== '')) return undefined;
    const steps = path.slice(1).split('.');
    return (record, parsed) => {
      const c = follow(record, column, steps, parsed);
      if (c === UNSURE) return UNSURE;
      // `$c ?`: JSONata's truthiness of what the path gave.
      if (c === undefined || c === null || c === false || c === '' || c === 0) return undefined;
      // `$number($c)`: only digits are sure to be read alike (JSONata errors on others, reads "1e1", " 1"…).
      const n = typeof c === 'number' ? c : typeof c === 'string' && /^[0-9]{1,6}$/.test(c) ? Number(c) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > names.length) return UNSURE;
      return names[n - 1];
    };
  }
  return undefined;
}
