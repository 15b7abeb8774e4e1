import { DateTime } from 'luxon';
import type { Failure, PullQuery, PullResult } from '../client/types';
import { hashOf } from '../engine/key';
import { operation } from '../fields';
import { prepare, type Prepared } from '../normalise';
import { MEMORY_PREFIX, type CursorValue, type Store } from '../outbox/store';
import { problem, type Problem } from '../problem';
import type { Settings } from '../settings';

const ZONE = 'Asia/Ho_Chi_Minh';
const FORMAT = 'dd/MM/yyyy HH:mm:ss';
/**
 * Each window starts this much before the last one ended: a dossier BTXH registered while the
 * last pull was on the wire, or stamped by a clock a little behind ours, is not missed. What
 * comes twice is recognised by its content and not emitted again.
 */
export const OVERLAP_MS = 10 * 60_000;
/** Items normalised between two turns of the event loop (about 15 ms of work at the normaliser's speed). */
const SLICE = 500;

export interface PullUnits {
  MaTinh: string;
  MaHuyen?: string;
  MaXa?: string;
}

/** 2026-12-01, 2026-12-01 08:00, 2026-12-01T08:00:00: Vietnam time. */
const FROM = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$/;

/**
 * When a pull asked `again` starts (an input's `msg.from`): a Date, or a date or date-time as
 * text in Vietnam's time; before now. Anything else is refused, naming what was given.
 */
export function pullFrom(value: unknown, now: number): number | Problem {
  let ms: number | undefined;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string' && FROM.test(value.trim())) ms = DateTime.fromISO(value.trim().replace(' ', 'T'), { zone: ZONE }).toMillis();
  if (ms === undefined || !Number.isFinite(ms) || ms >= now) return problem('from', 'pullFrom', { value: String(value instanceof Date ? value.toISOString() : value).slice(0, 40) });
  return ms;
}

/** A dossier pulled back from BTXH, under the table's names (the same the push side uses). */
export interface Pulled {
  record: Record<string, unknown>;
  /** As BTXH sent it. */
  raw: Record<string, unknown>;
  /** New (never handed over), changed since it was, or handed over again unchanged (a pull asked `again`). */
  change: 'new' | 'changed' | 'again';
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
 * the dossiers were handed to `emit` (unless it answers false): a crash in between hands them
 * over again (at least once).
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

  /** A memory (MEMORY_PREFIX): retention forgets it with the deliveries, after the connection's "keep delivered" days. */
  private seenName(maHoSo: string): string {
    return `${MEMORY_PREFIX}${this.opts.owner}:${maHoSo}`;
  }

  /** Where the last good pull's window ended (epoch ms), undefined before the first. */
  async lastUntil(): Promise<number | undefined> {
    const last = (await this.opts.store.cursor(this.windowName)) as { until?: number } | undefined;
    return typeof last?.until === 'number' ? last.until : undefined;
  }

  /**
   * One pull: the window from where the last one ended (or yesterday 00:00, the first time) to
   * now. `again` asks from a time of its own and hands over every dossier of the window, the
   * unchanged ones too (change "again"): what a flow asks for when its database lost a write.
   */
  async run(emit: (run: PullRun) => Promise<boolean | void> | boolean | void = () => undefined, again?: { from: number }): Promise<PullRun> {
    const to = this.now();
    const until = await this.lastUntil();
    const first = DateTime.fromMillis(to, { zone: ZONE }).startOf('day').minus({ days: 1 }).toMillis();
    const from = again ? Math.min(again.from, to) : until !== undefined ? Math.min(until, to) - OVERLAP_MS : first;
    const text = (ms: number) => DateTime.fromMillis(ms, { zone: ZONE }).toFormat(FORMAT);
    const answer = await this.opts.pull({ ...this.opts.units, ThoiGianBatDau: text(from), ThoiGianKetThuc: text(to) });
    const run: PullRun = { from, to, pulled: [], unchanged: 0, invalid: [] };
    if (!answer.ok) {
      run.failure = answer;
      return run;
    }
    const op = operation('dossier', this.opts.settings?.profile);
    const moves = new Map<string, CursorValue>();
    for (let i = 0; i < answer.items.length; i += SLICE) {
      // A slice at a time, its memories read together (a ThreadStore or a pool answers them side by side),
      // with a turn of the event loop between slices: a day's answer of a big province never freezes Node-RED.
      if (i) await new Promise((r) => setImmediate(r));
      const slice = answer.items.slice(i, i + SLICE).map((raw) => ({ raw, p: prepare(op, raw, this.opts.settings) }));
      const memories = await Promise.all(slice.map(({ p }) => (p.record ? this.opts.store.cursor(this.seenName(String(p.record.MaHoSo))) : undefined)));
      slice.forEach(({ raw, p }, k) => this.sort(run, moves, raw, p, memories[k] as { hash?: string } | undefined, Boolean(again)));
    }
    // `false`: not handed over (the node is closing): nothing moves, the next pull asks for all of it again.
    if ((await emit(run)) === false) return run;
    // A pull asked again from an earlier time moves the window on as a scheduled one would.
    if (until === undefined || to > until) moves.set(this.windowName, { until: to });
    await this.opts.store.enqueue([], { cursors: moves });
    return run;
  }

  /** One item: refused, unchanged since it was handed over, or to hand over (new or changed). */
  private sort(run: PullRun, moves: Map<string, CursorValue>, raw: Record<string, unknown>, p: Prepared, stored: { hash?: string } | undefined, again: boolean): void {
    const { record } = p;
    if (!record) {
      run.invalid.push({ raw, errors: p.errors });
      return;
    }
    const code = String(record.MaHoSo);
    const hash = hashOf(record);
    // The same dossier twice in one answer: what this run already handed over counts first.
    const seen = (moves.get(this.seenName(code)) as { hash?: string } | undefined) ?? stored;
    const same = seen?.hash === hash;
    if (same && !(again && !moves.has(this.seenName(code)))) {
      run.unchanged += 1;
      return;
    }
    // BTXH's own names (camelCase) are not "another spelling" a user typed: not warned about.
    run.pulled.push({ record, raw, change: same ? 'again' : seen ? 'changed' : 'new', warnings: p.warnings.filter((w) => w.code !== 'alias' && w.code !== 'unknownFields') });
    moves.set(this.seenName(code), { hash });
  }
}
