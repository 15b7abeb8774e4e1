import type { Problem } from '../lib/problem';
import type { Red } from './red';

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

export interface RenderedProblem {
  field: string | null;
  code: string;
  message: string;
  params?: Problem['params'];
}

export function renderProblem(RED: Red, p: Problem): RenderedProblem {
  const message = T(RED, `errors.${p.code}`, { field: p.field ?? '', ...p.params });
  return p.params ? { field: p.field, code: p.code, message, params: p.params } : { field: p.field, code: p.code, message };
}
