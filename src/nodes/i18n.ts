import type { Problem } from '../lib/problem';
import type { Red } from './red';
import { maskText } from '../lib/mask';

/**
 * Texts shared by all BTXH nodes (errors, status, common labels) live once, in
 * btxh-auth's locale file. Node-RED scopes each node file's RED._ to its own
 * catalogue unless the key names another namespace, which is what this does.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const MODULE: string = require('../package.json').name;
export const NS = `${MODULE}/btxh-auth`;

export function T(RED: Red, key: string, params?: object): string {
  return RED._(`${NS}:btxh-auth.${key}`, params);
}

/**
 * A language as an editor, a query or a flow gives it ("vi", "vi-VN", "en", "en-US"): one of the
 * two the package speaks, or `fallback` for anything else (each caller's own default).
 */
export function langOf<F extends 'vi' | 'en-US' | undefined>(value: unknown, fallback: F): 'vi' | 'en-US' | F {
  if (typeof value !== 'string') return fallback;
  if (/^vi\b/i.test(value)) return 'vi';
  if (/^en\b/i.test(value)) return 'en-US';
  return fallback;
}

/** What a connection setting's property name looks like (username, gatewayClientSecret). */
const SETTING = /^[a-z][A-Za-z0-9]{0,39}$/;

export interface RenderedProblem {
  field: string | null;
  code: string;
  message: string;
  params?: Problem['params'];
}

/**
 * A problem as a flow sees it (output 2, Catch, logs). A value echoed back may be a
 * personal id typed into the wrong field: every run of 9 to 12 digits in the
 * message and the string parameters is masked, whatever the field.
 */
export function renderProblem(RED: Red, p: Problem): RenderedProblem {
  const params = p.params ? Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, typeof v === 'string' ? maskText(v) : v])) : undefined;
  // A setting's problem names it as the dialog does ("Username", "Tài khoản"), not by its property.
  // Only a setting's name is looked up: a record's field can be any key a flow sends (a dotted path, "constructor", 300,000 characters).
  const key = `label.${p.field}`;
  const shown: unknown = p.field && SETTING.test(p.field) ? T(RED, key) : '';
  const label = typeof shown === 'string' && shown !== '' && !shown.endsWith(key) ? shown : p.field ?? '';
  const message = maskText(T(RED, `errors.${p.code}`, { field: p.field ?? '', label, ...params }));
  return params ? { field: p.field, code: p.code, message, params } : { field: p.field, code: p.code, message };
}
