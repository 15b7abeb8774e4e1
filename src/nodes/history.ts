import { apiOf } from '../lib/fields';
import { HISTORY_MAX, type JournalEvent } from '../lib/outbox/journal';
import type { Store } from '../lib/outbox/store';
import { problem } from '../lib/problem';
import { renderProblem, type RenderedProblem } from './i18n';
import type { Red } from './red';

/** One journal event as a flow and the editor see it: the time as ISO text, problems in the editor's language. */
export interface ShownEvent {
  at: string;
  event: JournalEvent['event'];
  /** The BTXH operation (DongBoDVC, XuLyHoSo, FileQuyetDinh). */
  operation: string;
  key: string;
  attempt?: number;
  /** HTTP status, BTXH's error_code and message, and the request's duration (ms). */
  status?: number;
  code?: string;
  message?: string;
  ms?: number;
  errors?: RenderedProblem[];
}

export interface History {
  dossier: string;
  events: ShownEvent[];
  /** More events than HISTORY_MAX: the newest are shown. */
  truncated: boolean;
}

const MAX_DOSSIER = 50;

/**
 * The MaHoSo a history request names: `msg.payload` as a string, or `{ MaHoSo }`. Anything else
 * is an error naming the field (never an empty answer that reads as "no history").
 */
export function dossierOf(RED: Red, raw: unknown): string {
  const value = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { MaHoSo?: unknown }).MaHoSo : raw;
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  if (!text || text.length > MAX_DOSSIER) {
    const p = problem('MaHoSo', 'historyDossier', { max: MAX_DOSSIER });
    throw Object.assign(new Error(renderProblem(RED, p).message), { problem: p });
  }
  return text;
}

/** The journal of one dossier from the connection's outbox, oldest event first. */
export async function historyOf(RED: Red, store: Store, dossier: string): Promise<History> {
  const events = await store.history(dossier, HISTORY_MAX + 1);
  const truncated = events.length > HISTORY_MAX;
  return { dossier, events: (truncated ? events.slice(1) : events).map((e) => shown(RED, e)), truncated };
}

function shown(RED: Red, e: JournalEvent): ShownEvent {
  const out: ShownEvent = { at: new Date(e.at).toISOString(), event: e.event, operation: apiOf(e.op), key: e.key };
  if (e.attempt !== undefined) out.attempt = e.attempt;
  if (e.exchange) Object.assign(out, e.exchange);
  if (e.errors) out.errors = e.errors.map((p) => renderProblem(RED, p));
  return out;
}
