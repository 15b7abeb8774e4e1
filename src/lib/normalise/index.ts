import type { FieldSpec, OperationSpec } from '../fields/types';
import type { Problem } from '../problem';
import { inspectWire } from '../schema';
import type { Settings } from '../settings';
import { normaliseUnits } from './address';
import { normaliseEthnicity, normaliseGender, normaliseIssuingPlace, normaliseProcedure, procedureName } from './catalogued';
import { normaliseEmail, normalisePhone, normaliseUrl } from './contact';
import { normaliseExtentData } from './extent';
import { normaliseDate } from './dates';
import { matchKeys } from './keys';
import { normalisePersonalId } from './personal-id';
import { absent, Report, resolve } from './report';
import { normaliseInt } from './status';
import { normaliseText } from './text';
import { inspectShape } from './shape';
import { layout } from './layout';
import { checkChronology } from './chronology';
import type { Wall } from './wall';

export interface Prepared {
  /** The wire record (table names and order, absent optional fields omitted), or null when errors is not empty. */
  record: Record<string, unknown> | null;
  errors: Problem[];
  warnings: Problem[];
  /** D2: input names that were read as a table field. */
  aliases: readonly { from: string; to: string }[];
}

export interface PrepareOptions {
  /**
   * The caller has just found this very object plain data (inspectShape) and nothing ran
   * since: it is not walked again (the sync node looks at every input before its mapping).
   */
  shaped?: boolean;
}

const UNIT_KINDS = new Set(['province', 'district', 'commune']);

/**
 * Input record -> wire record (D2–D6, D8, D9, D12–D15, D18). Every problem
 * names its field; nothing is guessed (a missing deadline stays missing), and
 * the result is checked as the BTXH side would check it before it is returned.
 */
export function prepare(op: OperationSpec, input: unknown, settings?: Partial<Settings>, opts?: PrepareOptions): Prepared {
  const s = resolve(settings);
  const report = new Report();
  if (!input || typeof input !== 'object' || Array.isArray(input) || input instanceof Date) {
    report.error(null, 'notObject');
    return { record: null, errors: report.errors, warnings: report.warnings, aliases: [] };
  }
  const bad = opts?.shaped ? undefined : inspectShape(input);
  if (bad) return { record: null, errors: [bad], warnings: [], aliases: [] };
  const { values, aliases } = matchKeys(op, input as Record<string, unknown>, report);
  const shape = layout(op);
  const out = shape.blank();
  // Fields whose absence another problem already explains.
  const skip = new Set<string>();
  for (const p of report.errors) if (p.field) skip.add(p.field);
  const walls = new Map<string, Wall>();
  const steps = plan(op);
  const { loose, required } = steps;
  for (const f of loose) {
    const v = values[f.name];
    if (absent(v) || (skip.size > 0 && skip.has(f.name))) continue;
    const n = report.errors.length;
    const value = field(op, f, v, s, report, walls);
    if (value !== undefined) out[f.name] = value;
    else if (report.errors.length > n) skip.add(f.name);
  }
  normaliseUnits(op, values, absent, s, report, out, skip);
  fillProcedureName(steps, out, report);
  checkChronology(op, out, walls, report);
  for (const f of required) if (out[f.name] === undefined && !(skip.size > 0 && skip.has(f.name))) report.error(f.name, 'required');

  const record = shape.wire(out);
  // Last step: judge the result as the BTXH side will, so a normaliser bug cannot send a bad record.
  const wire = inspectWire(op, record, s, { normalised: true });
  if (wire.errors.length || wire.warnings.length) {
    const failed = new Set([...report.errors.map((p) => p.field), ...skip]);
    const seen = new Set([...report.errors, ...report.warnings].map((p) => `${p.field}|${p.code}`));
    for (const p of wire.errors) if (!failed.has(p.field) && !seen.has(`${p.field}|${p.code}`)) report.errors.push(p);
    for (const p of wire.warnings) if (!failed.has(p.field) && !seen.has(`${p.field}|${p.code}`)) report.warnings.push(p);
  }
  return { record: report.errors.length ? null : record, errors: report.errors, warnings: report.warnings, aliases };
}

/** What prepare walks for an operation, worked out once from its field table. */
interface Plan {
  /** Fields normalised one by one, in table order (the unit codes of an address group go together). */
  loose: FieldSpec[];
  required: FieldSpec[];
  /** D6: the procedure's code and name fields, when the table has both. */
  procedure?: { code: FieldSpec; name: FieldSpec };
}
const plans = new WeakMap<OperationSpec, Plan>();

function plan(op: OperationSpec): Plan {
  let p = plans.get(op);
  if (!p) {
    const code = op.fields.find((f) => f.kind === 'procedure');
    const name = op.fields.find((f) => f.kind === 'procedureName');
    p = {
      loose: op.fields.filter((f) => !(UNIT_KINDS.has(f.kind) && f.group)),
      required: op.fields.filter((f) => f.required),
      procedure: code && name ? { code, name } : undefined,
    };
    plans.set(op, p);
  }
  return p;
}

function field(op: OperationSpec, f: FieldSpec, v: unknown, s: Settings, report: Report, walls: Map<string, Wall>): unknown {
  if (f.type === 'int') return normaliseInt(f, v, s, report);
  switch (f.kind) {
    case 'date': return normaliseDate(op, f, v, s, report, walls);
    case 'personalId': return normalisePersonalId(f, v, report);
    case 'gender': return normaliseGender(f, v, report);
    case 'ethnicity': return normaliseEthnicity(f, v, s, report);
    case 'issuingPlace': return normaliseIssuingPlace(f, v, report);
    case 'procedure': return normaliseProcedure(f, v, s, report);
    case 'email': return normaliseEmail(f, v, s.strict, report);
    case 'phone': return normalisePhone(f, v, s.strict, report);
    case 'url': return normaliseUrl(f, v, s.strict, report);
    case 'extentData': return normaliseExtentData(f, v, report);
    default: return normaliseText(f, v, s.strict, report);
  }
}

/** D6: TenTTHC from the catalogue when the input has none (warning "filled"). */
function fillProcedureName({ procedure }: Plan, out: Record<string, unknown>, report: Report): void {
  if (!procedure) return;
  const { code, name } = procedure;
  if (out[name.name] !== undefined || report.failed(name.name)) return;
  const filled = procedureName(out[code.name] as string | undefined);
  if (filled) {
    out[name.name] = filled;
    report.warn(name.name, 'filled', { from: code.name });
  }
}
