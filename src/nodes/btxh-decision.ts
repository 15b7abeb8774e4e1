import { decision } from '../lib/fields';
import type { Red } from './red';
import { registerSyncNode } from './sync-node';

/** btxh-decision: decision records to the BTXH system (`decision.api`). All behaviour is in sync-node. */
module.exports = function (RED: Red) {
  registerSyncNode(RED, 'btxh-decision', decision);
};
