import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { operation, operations, profileNamed, type OperationSpec } from '../lib/fields';
import { describeFields, maskRecord, personalIds, prepareMapped } from '../lib/mapping';
import { maskId } from '../lib/mask';
import { render, type Lang } from '../lib/messages';
import type { Problem } from '../lib/problem';
import { defaultSettings, type Settings } from '../lib/settings';
import { syncSettings } from './config';
import { langOf } from './i18n';
import { compileMapping, type Mapping } from './mapping';
import type { Red } from './red';

/**
 * Admin endpoints of the sync nodes' "Fields" tab. The editor's mapping table
 * reads the same field table the runtime uses, and the live preview runs the
 * runtime's own mapping and normaliser on a sample (or on the last record the
 * deployed node received) with the mapping currently in the dialog. Nothing
 * personal leaves the runtime unmasked. Registered by btxh-auth.
 */

const PRESETS = join(__dirname, '..', 'presets');

export interface PreviewRequest {
  /** The sync node being edited (deployed or not). */
  id?: string;
  /** Its btxh-auth node: the deployed connection's settings are used when there is one. */
  auth?: string;
  mapping?: Mapping;
  dateFormats?: string;
  /** A sample record (or an array: the first one is previewed). */
  record?: unknown;
  /** Preview the last record the deployed node received instead of `record`. */
  last?: boolean;
  /** The editor's language. */
  lang?: string;
  /** D20: the profile of the connection as the dialog has it ("annex" | "deployed"). */
  profile?: string;
}

export interface RenderedProblem {
  field: string | null;
  code: string;
  message: string;
}

/** A node-like object for sources that need one before the first deploy: empty flow and global context. */
function detachedNode(id: string) {
  const empty = {
    get(_key: string, store?: unknown, cb?: (err: Error | null, v?: unknown) => void) {
      const done = typeof store === 'function' ? (store as typeof cb) : cb;
      if (done) done(null, undefined);
      return undefined;
    },
  };
  return { id, type: 'btxh-preview', context: () => ({ flow: empty, global: empty }) };
}

/**
 * One preview: mapping + prepare exactly as the node runs them, rendered in
 * `lang`, every personal id masked.
 */
export async function preview(RED: Red, op: OperationSpec, req: PreviewRequest) {
  const lang: Lang = langOf(req.lang, 'en-US');
  const deployed = req.id ? (RED.nodes.getNode(req.id) as ({ lastRecord?: unknown } & object) | null) : null;
  let input: unknown = req.record;
  if (req.last) {
    if (!deployed || deployed.lastRecord === undefined) return { error: 'noLastRecord' as const };
    input = deployed.lastRecord;
  } else if (Array.isArray(input)) {
    input = input[0];
  }
  const auth = req.auth ? (RED.nodes.getNode(req.auth) as { settings?: Settings } | null) : null;
  const base = auth?.settings ?? defaultSettings;
  // D20: the profile the dialog shows (its connection may not be deployed yet), else the deployed connection's.
  const asked = profileNamed(req.profile);
  const settings: Settings = { ...syncSettings(base, req.dateFormats), ...(asked ? { profile: asked } : {}) };
  op = operation(op.id, settings.profile);

  const map = compileMapping(RED, deployed ?? detachedNode(req.id ?? 'preview'), op, req.mapping);
  const raw = await map(input, { payload: input });
  const prepared = prepareMapped(op, raw, settings);
  const ids = personalIds(op, raw);
  const mask = (v: unknown) => maskRecord(v, ids);
  const show = (p: Problem): RenderedProblem => {
    let message = render(p, lang);
    // A code the locale files do not know yet still says something useful.
    if (message === p.code) message = [p.field, p.code, p.params?.message].filter(Boolean).join(': ');
    return { field: p.field, code: p.code, message: mask(message) as string };
  };
  const record = prepared.record ? { ...prepared.record } : null;
  if (record) for (const f of op.fields) if (f.kind === 'personalId' && record[f.name] !== undefined) record[f.name] = maskId(record[f.name]);
  return {
    operation: op.api,
    source: req.last ? 'last' : 'sample',
    input: mask(input),
    record,
    errors: prepared.errors.map(show),
    warnings: prepared.warnings.map(show),
    aliases: prepared.aliases,
    settings: { deployed: !!auth?.settings, profile: settings.profile, ethnicityCode: settings.ethnicityCode, codeSet: settings.codeSet, strict: settings.strict },
  };
}

/** The shipped presets (presets/*.json), sorted by file name. */
export function presets(): unknown[] {
  let files: string[] = [];
  try {
    files = readdirSync(PRESETS).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return files.map((f) => ({ id: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(join(PRESETS, f), 'utf8')) }));
}

export function registerPreview(RED: Red): void {
  // Own properties only: "/btxh/fields/constructor" is an unknown operation, not Object's constructor.
  const op = (name: string): OperationSpec | undefined =>
    Object.prototype.hasOwnProperty.call(operations, name) ? (operations as Record<string, OperationSpec>)[name] : undefined;

  /** The field table of an operation, for the mapping table of the dialog. */
  RED.httpAdmin.get('/btxh/fields/:op', RED.auth.needsPermission('btxh-auth.read'), (req: any, res: any) => {
    const o = op(req.params.op);
    if (!o) return res.status(404).json({ error: 'unknown operation' });
    // D20: ?profile=deployed, the superset the dialog's connection speaks.
    res.json(describeFields(operation(o.id, profileNamed(req.query?.profile))));
  });

  RED.httpAdmin.get('/btxh/presets', RED.auth.needsPermission('btxh-auth.read'), (_req: any, res: any) => {
    try {
      res.json(presets());
    } catch (err) {
      res.status(500).json({ error: (err as Error).message });
    }
  });

  /** Live preview: write permission, because it evaluates expressions in the runtime. */
  RED.httpAdmin.post('/btxh/preview/:op', RED.auth.needsPermission('btxh-auth.write'), async (req: any, res: any) => {
    const o = op(req.params.op);
    if (!o) return res.status(404).json({ error: 'unknown operation' });
    try {
      const result = await preview(RED, o, (req.body ?? {}) as PreviewRequest);
      if ('error' in result) return res.status(404).json(result);
      res.json(result);
    } catch (err) {
      res.status(500).json({ error: maskRecord((err as Error).message) });
    }
  });
}
