import { DateTime } from 'luxon';
import type { Failure, PullQuery, PullResult } from '../client/types';
import { hashOf } from '../engine/key';
import { operation } from '../fields';
import { prepare } from '../normalise';
import type { CursorValue, Store } from '../outbox/store';
import type { Problem } from '../problem';
import type { Settings } from '../settings';

const ZONE = 'Asia/Ho_Chi_Minh';
const FORMAT = 'dd/MM/yyyy HH:mm:ss';
/**
 * Each window starts this much before the last one ended: a dossier BTXH registered while the
 * last pull was on the wire, or stamped by a clock a little behind ours, is not missed. What
 * comes twice is recognised by its content and not emitted again.
 */
export const OVERLAP_MS = 10 * 60_000;

export interface PullUnits {
  MaTinh: string;
  MaHuyen?: string;
  MaXa?: string;
}

/** A dossier pulled back from BTXH, under the table's names (the same the push side uses). */
export interface Pulled {
  record: Record<string, unknown>;
  /** As BTXH sent it. */
  raw: Record<string, unknown>;
  /** New (never emitted) or changed since it was. */
  change: 'new' | 'changed';
  warnings: Problem[];
}

export interface PullRun {
  /** The window asked for, epoch ms. */
  from: number;
  to: number;
  pulled: Pulled[];
  /** Dossiers already emitted with the same content. */
  unchanged: number;
  /** Items the dossier table's checks refused: never emitted, said with their problems. */
  invalid: { raw: unknown; errors: Problem[] }[];
  /** BTXH did not answer with dossiers: nothing emitted, the window stays where it was. */
  failure?: Failure;
}

/**
 * D22 (case A2): asks BTXH for the dossiers registered in a window for the province's units,
 * normalises each to the dossier table's names and checks (prepare), and keeps — in the
 * outbox store, under positions named after the node — where the last window ended and the
 * content of each dossier it handed over, so a restart neither skips a window nor hands a
 * dossier over twice unless it changed. The window and the contents move in one commit, after
 * the dossiers were handed to `emit`: a crash in between hands them over again (at least once).
 */
export class Puller {
  private readonly now: () => number;

  constructor(private readonly opts: {
    owner: string;
    units: PullUnits;
    store: Pick<Store, 'cursor' | 'enqueue'>;
    pull: (q: PullQuery) => Promise<PullResult>;
    settings?: Partial<Settings>;
    now?: () => number;
  }) {
    this.now = opts.now ?? Date.now;
  }

  private get windowName(): string {
    return `pull:${this.opts.owner}:window`;
  }

  private seenName(maHoSo: string): string {
    return `pull:${this.opts.owner}:seen:${maHoSo}`;
  }

  /** One pull: the window from where the last one ended (or yesterday 00:00, the first time) to now. */
  async run(emit: (run: PullRun) => Promise<void> | void = () => undefined): Promise<PullRun> {
    const to = this.now();
    const last = (await this.opts.store.cursor(this.windowName)) as { until?: number } | undefined;
    const first = DateTime.fromMillis(to, { zone: ZONE }).startOf('day').minus({ days: 1 }).toMillis();
    const from = typeof last?.until === 'number' ? Math.min(last.until, to) - OVERLAP_MS : first;
    const text = (ms: number) => DateTime.fromMillis(ms, { zone: ZONE }).toFormat(FORMAT);
    const answer = await this.opts.pull({ ...this.opts.units, ThoiGianBatDau: text(from), ThoiGianKetThuc: text(to) });
    const run: PullRun = { from, to, pulled: [], unchanged: 0, invalid: [] };
    if (!answer.ok) {
      run.failure = answer;
      return run;
    }
    const op = operation('dossier');
    const moves = new Map<string, CursorValue>();
    for (const raw of answer.items) {
      const p = prepare(op, raw, this.opts.settings);
      if (!p.record) {
        run.invalid.push({ raw, errors: p.errors });
        continue;
      }
      const code = String(p.record.MaHoSo);
      const hash = hashOf(p.record);
      const seen = moves.get(this.seenName(code)) ?? ((await this.opts.store.cursor(this.seenName(code))) as { hash?: string } | undefined);
      if (seen?.hash === hash) {
        run.unchanged += 1;
        continue;
      }
      // BTXH's own names (camelCase) are not "another spelling" a user typed: not warned about.
      run.pulled.push({ record: p.record, raw, change: seen ? 'changed' : 'new', warnings: p.warnings.filter((w) => w.code !== 'alias' && w.code !== 'unknownFields') });
      moves.set(this.seenName(code), { hash });
    }
    await emit(run);
    moves.set(this.windowName, { until: to });
    await this.opts.store.enqueue([], { cursors: moves });
    return run;
  }
}
