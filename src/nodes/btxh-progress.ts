import { progress } from '../lib/fields';
import type { Red } from './red';
import { registerSyncNode } from './sync-node';

/** btxh-progress: progress records to the BTXH system (`progress.api`). All behaviour is in sync-node. */
module.exports = function (RED: Red) {
  registerSyncNode(RED, 'btxh-progress', progress);
};
