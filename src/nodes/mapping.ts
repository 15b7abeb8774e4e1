import type { OperationSpec } from '../lib/fields';
import type { Node, NodeMessage, Red } from './red';

/**
 * The field mapping of a sync node: where each BTXH field comes from. The
 * default maps every field from the same-named property of the record (aliases
 * included), so the identity case needs no configuration.
 * (Issue 4 fills in TypedInput sources; until then this is the identity.)
 */
export type Mapping = Record<string, { type: string; value: string }>;

export function compileMapping(_RED: Red, _node: Node, _op: OperationSpec, _mapping: Mapping | undefined) {
  return async (record: unknown, _msg: NodeMessage): Promise<unknown> => record;
}
