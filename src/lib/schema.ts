import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { INT32_MAX, type FieldSpec, type OperationSpec } from './fields/types';
import { fieldIndex, fold } from './normalise/keys';
import { Report, resolve } from './normalise/report';
import { inspectValues } from './normalise/wire';
import { maxOf } from './normalise/text';
import { problem, type Problem } from './problem';
import type { Settings } from './settings';


/**
 * The JSON schema of a WIRE record, derived from the field table: table names
 * only, strings and integers, max lengths in characters (ajv counts code
 * points), required fields non-empty. Dates are strings here: their format is
 * a connection setting, checked by checkWire.
 */
export function jsonSchema(op: OperationSpec, opts: { strict?: boolean; lengths?: boolean } = {}): object {
  const properties: Record<string, object> = {};
  for (const f of op.fields) properties[f.name] = property(f, Boolean(opts.strict), opts.lengths !== false);
  return {
    $comment: `BTXH ${op.api} record as sent${opts.strict ? ' (strict)' : ''}`,
    type: 'object',
    properties,
    required: op.fields.filter((f) => f.required).map((f) => f.name),
    additionalProperties: false,
  };
}

function property(f: FieldSpec, strict: boolean, lengths: boolean): object {
  // BTXH is a .NET service: an int is an Int32, and no status is negative.
  if (f.type === 'int') return f.required ? { type: 'integer', minimum: 0, maximum: INT32_MAX } : { type: ['integer', 'null'], minimum: 0, maximum: INT32_MAX };
  const p: Record<string, unknown> = { type: f.required ? 'string' : ['string', 'null'] };
  if (!lengths) return p;
  const max = maxOf(f, strict);
  if (max !== undefined) p.maxLength = max;
  // Optional fields may be sent blank ("" or null: the seed's example does); required ones may not.
  if (f.required) p.minLength = 1;
  return p;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new WeakMap<OperationSpec, Map<boolean, ValidateFunction>>();

/**
 * Compiled validator of the wire shape, cached per operation and strictness. It checks
 * names, types and ranges; the lengths are left to the value checks (normalise/wire.ts),
 * which count code points only for a string longer in UTF-16 units than its limit — ajv
 * counts every string, a third of a record's whole check.
 */
export function schema(op: OperationSpec, opts: { strict?: boolean } = {}): ValidateFunction {
  const strict = Boolean(opts.strict);
  let byStrict = compiled.get(op);
  if (!byStrict) compiled.set(op, (byStrict = new Map()));
  let v = byStrict.get(strict);
  if (!v) byStrict.set(strict, (v = ajv.compile(jsonSchema(op, { strict, lengths: false }))));
  return v;
}

/** ajv's errors as Problems that name the field. */
export function schemaProblems(op: OperationSpec, errors: ErrorObject[] | null | undefined): Problem[] {
  const out: Problem[] = [];
  for (const e of errors ?? []) {
    const field = e.instancePath ? decodeURIComponent(e.instancePath.slice(1).replace(/~1/g, '/').replace(/~0/g, '~')) : null;
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        out.push(problem(String(params.missingProperty), 'required'));
        break;
      case 'minLength':
        out.push(problem(field, 'required'));
        break;
      case 'additionalProperties': {
        const name = String(params.additionalProperty);
        // The seed's own spellings (D2) are accepted as input, never on the wire: say which name is meant.
        const meant = fieldIndex(op).get(fold(name));
        out.push(meant ? problem(name, 'aliasOnWire', { to: meant.name }) : problem(name, 'unknownField'));
        break;
      }
      case 'maxLength':
        out.push(problem(field, 'maxLength', { max: Number(params.limit) }));
        break;
      case 'type':
        if (field === null) out.push(problem(null, 'notObject'));
        else out.push(problem(field, 'type', { expected: String(params.type).replace(',null', '') }));
        break;
      default:
        out.push(problem(field, e.keyword));
    }
  }
  return out;
}

/**
 * Everything known about a record AS SENT: schema problems, then the value
 * checks (dates in the configured format, catalogues, codes, address
 * hierarchy). Problems of a field the schema already rejected are not repeated.
 */
export function inspectWire(op: OperationSpec, record: unknown, settings?: Partial<Settings>, opts: { normalised?: boolean } = {}): { errors: Problem[]; warnings: Problem[] } {
  const s = resolve(settings);
  const validate = schema(op, { strict: s.strict });
  const errors = validate(record) ? [] : schemaProblems(op, validate.errors);
  if (!record || typeof record !== 'object' || Array.isArray(record)) return { errors: errors.length ? errors : [problem(null, 'notObject')], warnings: [] };
  const bad = new Set(errors.map((p) => p.field));
  const values: Report = inspectValues(op, record as Record<string, unknown>, s, opts.normalised === true);
  // The usual answer, a record with nothing to say, allocates nothing more.
  if (!errors.length && !values.errors.length && !values.warnings.length) return values;
  return {
    errors: [...errors, ...values.errors.filter((p) => !bad.has(p.field))],
    warnings: values.warnings.filter((p) => !bad.has(p.field)),
  };
}

/** The errors of a record as sent (strict when settings.strict): what the BTXH sandbox rejects. */
export function checkWire(op: OperationSpec, record: unknown, settings?: Partial<Settings>): Problem[] {
  return inspectWire(op, record, settings).errors;
}
