import { decision } from './decision';
import { dossier } from './dossier';
import { progress } from './progress';
import type { OperationId, OperationSpec } from './types';

export * from './types';
export { dossier, progress, decision };

export const operations: Record<OperationId, OperationSpec> = { dossier, progress, decision };

/** Operation by id ("dossier") or API name ("DongBoDVC"). */
export function operation(name: string): OperationSpec {
  const own = Object.prototype.hasOwnProperty.call(operations, name) ? (operations as Record<string, OperationSpec>)[name] : undefined;
  const op = own ?? Object.values(operations).find((o) => o.api === name);
  if (!op) throw new Error(`unknown BTXH operation: ${name}`);
  return op;
}

/** The API name of an operation id (DongBoDVC for dossier); an id no table has, as it is. */
export function apiOf(id: string): string {
  const own = Object.prototype.hasOwnProperty.call(operations, id) ? (operations as Record<string, OperationSpec>)[id] : undefined;
  return own ? own.api : id;
}

/** The GetToken path (D11, D16 mode a). */
export const TOKEN_PATH = '/api/v1/Service/GetToken';
