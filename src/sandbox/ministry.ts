import { parseWire } from '../lib/normalise/dates';

/**
 * Case A2 of the seed (D22): dossiers registered on the BTXH system itself, which a province
 * pulls back by time window and by its units. The sandbox holds them as the ministry would
 * (table names) and answers a pull as the deployed BTXH system does (api.md, "What deployed
 * peers show"): `{"result": {"error_code": 0, "message", "data": [...]}}`, each item's names in
 * .NET camelCase (`maHoSo`, `cmnD_NgayCap`, `hktT_MaTinh`) and the submission as `submitedDate`.
 */
export interface Registered {
  record: Record<string, unknown>;
  /** Epoch ms it was registered at the ministry. */
  at: number;
}

/** "dd/MM/yyyy HH:mm:ss" in Vietnam's time as epoch ms, read as the wire checks read it; undefined when it is not that. */
export function vnTime(text: unknown): number | undefined {
  const w = typeof text === 'string' ? parseWire(text.trim(), 'dd/MM/yyyy HH:mm:ss') : 'dateFormat';
  return typeof w === 'string' ? undefined : w.instant;
}

/** A name as JSON.NET's camel case writes it: "CMND_NgayCap" -> "cmnD_NgayCap", "HoVaTen" -> "hoVaTen". */
export function camel(name: string): string {
  const c = [...name];
  for (let i = 0; i < c.length; i++) {
    if (i === 1 && c[i] === c[i].toLowerCase()) break;
    const next = c[i + 1];
    if (i > 0 && next !== undefined && next === next.toLowerCase() && next !== next.toUpperCase()) break;
    if (i > 0 && next !== undefined && !/[A-Za-z]/.test(next)) break;
    c[i] = c[i].toLowerCase();
  }
  return c.join('');
}

/** A registered dossier as a pull answers it: camelCase names, SubmittedDate spelled as the deployed system spells it. */
export function pulled(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k === 'SubmittedDate' ? 'submitedDate' : camel(k)] = v;
  return out;
}

/** The registered dossiers of a window [from, to] (inclusive) and of the units asked for. */
export function select(list: Registered[], q: { from: number; to: number; MaTinh: string; MaHuyen?: string; MaXa?: string }): Registered[] {
  return list.filter((m) => m.at >= q.from && m.at <= q.to && m.record.MaTinh === q.MaTinh
    && (!q.MaHuyen || m.record.MaHuyen === q.MaHuyen) && (!q.MaXa || m.record.MaXa === q.MaXa));
}
