import { INT32_MAX, type FieldSpec } from './fields/types';
import { problem, type Problem } from './problem';

/**
 * The JSON settings a user types into a dialog (the StatusId and MaTTHC
 * mappings, gateway headers, a sync node's date formats), checked as typed.
 * A setting that is not what it must be is an error of that setting, never
 * skipped: `{10: 4}` (not JSON) once left StatusId 10 unmapped without a word.
 * It imports only problem.ts and fields/types.ts, which import nothing, so the editor
 * runs the very same checks: scripts/build-editor.js bundles the three as
 * resources/btxh-settings.js.
 */
export type SettingKind = 'statusMap' | 'procedureMap' | 'headers' | 'dateFormats' | 'codes' | 'pattern' | 'emitNames';

/** A field name as a .NET model would have it. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A header name as HTTP allows it (RFC 9110 token). */
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The first problem of the setting `field` (its property name) holding `text`, or undefined.
 * Blank means "none". For dateFormats, `dates` are the operation's date fields and `op` its names:
 * a key is a field ("ThoiDiemXuLy"), a field of the operation ("XuLyHoSo.ThoiDiemXuLy"), or the
 * operation itself ("XuLyHoSo": every datetime field of it), as the normaliser reads them (D3).
 * For emitNames (D20), `dates` are every field of the connection's tables: a key is one of them, its
 * value a field name that is not another field's (a record never carries two spellings of one field).
 */
export function checkSetting(kind: SettingKind, field: string, text: unknown, dates: Pick<FieldSpec, 'name' | 'type'>[] = [], op?: { api: string; id: string }): Problem | undefined {
  if (text === undefined || text === null || (typeof text === 'string' && text.trim() === '')) return undefined;
  // A list of error_code values ("-1, 503"): each a code as BTXH writes them, never a quoted or JSON value.
  if (kind === 'codes') {
    const bad = codeTokens(text).find((c) => !/^-?[A-Za-z0-9_.]+$/.test(c));
    return bad === undefined ? undefined : problem(field, 'settingCode', { key: bad });
  }
  // A regular expression (D19's "already exists" message): it must compile.
  if (kind === 'pattern') {
    try {
      new RegExp(String(text), 'i');
      return undefined;
    } catch (err) {
      return problem(field, 'settingPattern', { detail: (err as Error).message });
    }
  }
  let v: unknown = text;
  if (typeof text === 'string') {
    try {
      v = JSON.parse(text);
    } catch (err) {
      return problem(field, 'settingJson', { detail: jsonDetail(text, err as Error) });
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return problem(field, 'settingObject', {});
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    const bad = (code: string) => problem(field, code, { key, value: shown(value) });
    switch (kind) {
      case 'statusMap':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT32_MAX) return bad('settingStatusId');
        break;
      case 'procedureMap':
        if (typeof value !== 'string' || !/^\d+(\.\d+)+$/.test(value.trim())) return bad('settingProcedureCode');
        break;
      case 'headers':
        if (!HEADER.test(key)) return problem(field, 'settingHeaderName', { key });
        // Not echoed: a header's value may be a secret (gatewaySecretHeaders).
        if (typeof value !== 'string' || /[\r\n]/.test(value)) return problem(field, 'settingHeaderValue', { key });
        break;
      case 'emitNames':
        if (!dates.some((d) => d.name === key) || typeof value !== 'string' || !FIELD_NAME.test(value) || (value !== key && dates.some((d) => d.name === value))) {
          return problem(field, 'settingEmitName', { key, value: shown(value) });
        }
        break;
      case 'dateFormats': {
        const own = op ? key.replace(new RegExp(`^(${op.api}|${op.id})\\.`), '') : key;
        const whole = op !== undefined && (key === op.api || key === op.id) && dates.some((d) => d.type === 'datetime');
        const f = whole ? { name: key, type: 'datetime' } : dates.find((d) => d.name === own);
        if (!f) return problem(field, 'settingDateField', { key, fields: dates.map((d) => d.name).join(', ') });
        if (typeof value !== 'string' || !usableFormat(value, f.type)) return bad(f.type === 'datetime' ? 'settingDatetimeFormat' : 'settingDateFormat');
        break;
      }
    }
  }
  return undefined;
}

/** A list of codes as typed ("-1, 503; E_BUSY"): split at spaces, commas and semicolons. */
export function codeTokens(text: unknown): string[] {
  return String(text).split(/[\s,;]+/).map((c) => c.trim()).filter(Boolean);
}

/** A format must name the year, month and day, and a datetime's also the hour and minute (luxon tokens). */
export function usableFormat(format: string, type: string): boolean {
  const tokens = format.replace(/'[^']*'/g, '');
  const date = /yyyy/.test(tokens) && /M/.test(tokens) && /d/.test(tokens);
  return date && (type !== 'datetime' || (/[Hh]/.test(tokens) && /m/.test(tokens)));
}

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Where the JSON breaks, in the user's own text, not the parser's English: `{10: 4}` → "{1▸0: 4}". */
export function jsonDetail(text: string, err: Error): string {
  const at = /position (\d+)/.exec(err.message);
  const i = at ? Number(at[1]) : -1;
  if (i < 0 || i > text.length) return text.length > 40 ? `${text.slice(0, 40)}…` : text;
  const from = Math.max(0, i - 15);
  return `${from > 0 ? '…' : ''}${text.slice(from, i)}▸${text.slice(i, i + 15)}${i + 15 < text.length ? '…' : ''}`;
}
