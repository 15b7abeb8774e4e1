import type { AuthNode } from './btxh-auth';
import type { Node, Red } from './red';
import { langOf } from './i18n';

/** What a deployed sync node tells the sidebar (./sync-node.ts). */
interface SyncNode extends Node {
  authId?: string;
  operation?: string;
  state?: () => Promise<Record<string, unknown>>;
  deadList?: (limit: number, lang?: 'vi' | 'en-US') => Promise<unknown[]>;
  resend?: (entry: unknown, record: unknown, dryRun: boolean) => Promise<{ ok: boolean; sent: boolean }>;
}

const SYNC_TYPES = new Set(['btxh-dossier', 'btxh-progress', 'btxh-decision']);
/** Dead letters the sidebar lists per node: the oldest, as the queue hands them out. */
const DEAD_SHOWN = 200;

/**
 * The BTXH sidebar's runtime part (issue 14): the editor tab (btxh-sidebar.html) reads
 * every deployed connection and its sync nodes here, and acts through the endpoints that
 * btxh-auth registers (replay, history, report). Read permission for reading; the actions
 * keep theirs (write).
 */
module.exports = function (RED: Red) {
  RED.plugins.registerPlugin('btxh-sidebar', { type: 'btxh-sidebar' });

  /** Every deployed connection with its sync nodes and their queues now. */
  RED.httpAdmin.get('/btxh/overview', RED.auth.needsPermission('btxh-auth.read'), async (_req: any, res: any) => {
    const conns = new Map<string, { id: string; name: string; url: string; queue: string; problem?: string; nodes: unknown[] }>();
    const syncs: SyncNode[] = [];
    RED.nodes.eachNode((n: { id: string; type: string }) => {
      const live = RED.nodes.getNode(n.id) as (AuthNode & SyncNode) | null;
      if (!live) return;
      if (n.type === 'btxh-auth') conns.set(live.id, { id: live.id, name: live.name || live.baseUrl, url: live.baseUrl, queue: live.queueKind, ...(live.configProblem ? { problem: live.configProblem.code } : {}), nodes: [] });
      else if (SYNC_TYPES.has(n.type) && live.state) syncs.push(live);
    });
    for (const s of syncs) {
      const conn = conns.get(s.authId ?? '');
      if (!conn) continue;
      try {
        conn.nodes.push({ id: s.id, type: s.type, name: s.name || '', operation: s.operation, ...(await s.state!()) });
      } catch (err) {
        conn.nodes.push({ id: s.id, type: s.type, name: s.name || '', operation: s.operation, error: (err as Error).message });
      }
    }
    res.json({ connections: [...conns.values()] });
  });

  /**
   * Replay with edit: `{entry, record, dryRun}` — the corrected record checked (dryRun: the
   * live preview) and, when it passes, sent as a new entry; the edit is journalled.
   */
  RED.httpAdmin.post('/btxh/:id/resend', RED.auth.needsPermission('btxh-auth.write'), async (req: any, res: any) => {
    const s = RED.nodes.getNode(req.params.id) as SyncNode | null;
    if (!s?.resend) return res.status(404).json({ error: 'not deployed' });
    const body = (req.body ?? {}) as { entry?: unknown; record?: unknown; dryRun?: unknown };
    try {
      res.json(await s.resend(body.entry, body.record, body.dryRun === true));
    } catch (err) {
      const p = (err as { problem?: { code: string } }).problem;
      res.status(p?.code === 'notDeadLetter' ? 404 : p ? 400 : 500).json({ error: (err as Error).message });
    }
  });

  /** A sync node's dead letters with their errors and records, ids masked. */
  RED.httpAdmin.get('/btxh/:id/dead', RED.auth.needsPermission('btxh-auth.read'), async (req: any, res: any) => {
    const s = RED.nodes.getNode(req.params.id) as SyncNode | null;
    if (!s?.deadList) return res.status(404).json({ error: 'not deployed' });
    try {
      const lang = langOf(req.query?.lang, undefined);
      res.json({ deadLetters: await s.deadList(DEAD_SHOWN, lang) });
    } catch (err) {
      res.status(500).json({ error: (err as Error).message });
    }
  });
};
