import { lookup, units, type CodeSet, type LookupCatalog, type LookupRequest } from '../lib/catalog';
import type { Node, NodeMessage, Red } from './red';

/**
 * btxh-lookup: the catalogues at hand in a flow. Configured, it looks up what
 * its TypedInputs point at; left unconfigured, it answers requests in
 * msg.payload ({catalog, code} or {catalog, name}). The editor's pickers use
 * the same look-ups through an admin endpoint.
 */

type Action = '' | 'find' | 'search' | 'check' | 'convert';

interface LookupConfig {
  id: string;
  name?: string;
  action?: Action;
  catalog?: LookupCatalog;
  codeSet?: CodeSet;
  ethnicityCode?: 'id' | 'gso';
  value?: string;
  valueType?: string;
  province?: string;
  provinceType?: string;
  district?: string;
  districtType?: string;
  property?: string;
}

const CATALOGS: LookupCatalog[] = ['ethnicity', 'gender', 'issuingPlace', 'procedure', 'status', 'province', 'district', 'commune'];

module.exports = function (RED: Red) {
  function evaluate(node: Node, value: string | undefined, type: string | undefined, msg: NodeMessage): Promise<unknown> {
    if (!type || (value === undefined || value === '') && type !== 'msg') return Promise.resolve(undefined);
    return new Promise((resolve, reject) =>
      RED.util.evaluateNodeProperty(value, type, node, msg, (err, v) => (err ? reject(err) : resolve(v))),
    );
  }

  function blank(v: unknown): boolean {
    return v === undefined || v === null || String(v).trim() === '';
  }

  function BtxhLookup(this: Node, config: LookupConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const property = config.property || 'payload';

    async function answer(msg: NodeMessage): Promise<unknown> {
      if (!config.action) {
        // Unconfigured: the request is the payload.
        const req = (msg.payload ?? {}) as LookupRequest;
        if (!req || typeof req !== 'object' || !CATALOGS.includes(req.catalog)) {
          return { reason: 'badRequest', catalog: (req as { catalog?: string })?.catalog, candidates: [] };
        }
        return lookup(req);
      }
      const set: CodeSet = config.codeSet ?? 'pre-2025';
      const value = await evaluate(node, config.value, config.valueType, msg);
      const province = await evaluate(node, config.province, config.provinceType, msg);
      const district = await evaluate(node, config.district, config.districtType, msg);
      const within = {
        province: blank(province) ? undefined : String(province),
        district: blank(district) ? undefined : String(district),
      };
      const catalog = config.catalog ?? 'commune';
      switch (config.action) {
        case 'find':
          return lookup({ catalog, code: value, codeSet: set, ethnicityCode: config.ethnicityCode });
        case 'search':
          return lookup({ catalog, name: String(value ?? ''), codeSet: set, within, ethnicityCode: config.ethnicityCode });
        case 'convert':
          return lookup({ catalog, code: value, codeSet: 'pre-2025', convert: '2025' });
        case 'check': {
          const ok = units.belongs(value, within.district, within.province, set);
          return { catalog: 'commune', codeSet: set, match: ok ? units.commune(value, set) : undefined, ok, reason: ok ? undefined : 'notInParent' };
        }
      }
      return { reason: 'badRequest', catalog, candidates: [] };
    }

    node.on('input', (msg, send, done) => {
      answer(msg).then(
        (result) => {
          // "Answer in" is a message property path ("btxh.lookup", "payload.MaXa"), as core nodes take it.
          RED.util.setMessageProperty(msg, property, result, true);
          send(msg);
          done();
        },
        (err: Error) => done(err),
      );
    });
  }

  RED.nodes.registerType('btxh-lookup', BtxhLookup);

  // Pickers in the editor's dialogs use the runtime's own catalogue.
  RED.httpAdmin.get('/btxh/lookup', RED.auth.needsPermission('btxh-lookup.read'), (req: any, res: any) => {
    const q = req.query ?? {};
    if (!CATALOGS.includes(q.catalog)) return res.status(400).json({ reason: 'badRequest' });
    const within = { province: q.province || undefined, district: q.district || undefined };
    res.json(
      lookup({
        catalog: q.catalog,
        code: q.code || undefined,
        name: q.name || undefined,
        codeSet: q.codeSet === '2025' ? '2025' : 'pre-2025',
        convert: q.convert === '2025' ? '2025' : undefined,
        within,
      }),
    );
  });
};
