import { DateTime } from 'luxon';
import type { SendResult } from '../client/types';
import { exchangeOf } from '../engine/exchange';
import { operation, type OperationId } from '../fields';
import { prepare } from '../normalise';
import { journalErrors, journalExchange } from '../outbox/journal';
import type { Problem } from '../problem';
import type { Settings } from '../settings';
import { trialCases } from './cases';

/** What a trial needs of a connection: GetToken (its Test connection) and a send. */
export interface TrialConnection {
  test(): Promise<{ ok: boolean; message: string; code?: string; status?: number }>;
  send(api: 'DongBoDVC' | 'XuLyHoSo' | 'FileQuyetDinh', records: Record<string, unknown>[]): Promise<SendResult>;
}

export interface TrialStep {
  op: OperationId;
  /** DongBoDVC, XuLyHoSo, FileQuyetDinh. */
  api: string;
  expect: 'accepted' | 'refused';
  why: string;
  /** The MaHoSo of the records the request carried. */
  dossiers: string[];
  /**
   * accepted / refused: BTXH's verdict; failed: no verdict (network, timeout, 5xx);
   * invalid: the package's own checks refused a record meant to be valid (a setting of the
   * connection does not fit it), so nothing was sent.
   */
  outcome: 'accepted' | 'refused' | 'failed' | 'invalid';
  asExpected: boolean;
  status?: number;
  code?: string;
  message?: string;
  ms?: number;
  errors?: Problem[];
}

export interface TrialResult {
  /** Epoch ms the trial started (the wall clock: the report is dated by it). */
  at: number;
  endpoint: string;
  token: { ok: boolean; message: string; code?: string; status?: number; ms: number };
  steps: TrialStep[];
  /** GetToken worked and every step answered as expected. */
  passed: boolean;
}

/**
 * A trial connection (issue 14, the seed's step 2): GetToken, then every operation with
 * valid synthetic records and with records the server should refuse, each request's answer
 * kept for the report. Straight through the connection, never the outbox: nothing is
 * retried or queued, and nothing of it is left waiting when it ends.
 */
export async function runTrial(conn: TrialConnection, opts: { endpoint: string; settings?: Partial<Settings>; now?: () => number; monotonic?: () => number }): Promise<TrialResult> {
  const now = opts.now ?? Date.now;
  const tick = opts.monotonic ?? (() => performance.now());
  const at = now();
  const t0 = tick();
  const t = await conn.test();
  const token = { ok: t.ok, message: t.message, ...(t.code !== undefined ? { code: t.code } : {}), ...(t.status !== undefined ? { status: t.status } : {}), ms: Math.round(tick() - t0) };
  const result: TrialResult = { at, endpoint: opts.endpoint, token, steps: [], passed: false };
  if (!t.ok) return result;
  for (const c of trialCases(DateTime.fromMillis(at))) {
    const op = operation(c.op, opts.settings?.profile);
    const step: TrialStep = { op: c.op, api: op.api, expect: c.expect, why: c.why, dossiers: c.records.map((r) => String(r.MaHoSo)), outcome: 'invalid', asExpected: false };
    const wire: Record<string, unknown>[] = [];
    const errors: Problem[] = [];
    for (const r of c.records) {
      const p = prepare(op, r, opts.settings);
      if (p.record) wire.push(c.spoil ? c.spoil(p.record) : p.record);
      else errors.push(...p.errors);
    }
    if (errors.length) {
      step.errors = journalErrors(errors);
    } else {
      const sent = tick();
      const r = await conn.send(op.api, wire);
      Object.assign(step, journalExchange(exchangeOf(r, tick() - sent)));
      step.outcome = r.ok ? 'accepted' : r.kind === 'rejected' ? 'refused' : 'failed';
      step.asExpected = step.outcome === c.expect;
    }
    result.steps.push(step);
  }
  result.passed = result.steps.every((s) => s.asExpected);
  return result;
}
