import { dossier } from '../lib/fields';
import type { Red } from './red';
import { registerSyncNode } from './sync-node';

/** btxh-dossier: dossier records to the BTXH system (`dossier.api`). All behaviour is in sync-node. */
module.exports = function (RED: Red) {
  registerSyncNode(RED, 'btxh-dossier', dossier);
};
