import { systemClock } from '../lib/clock';
import { SENDER_DEFAULTS } from '../lib/engine/sender';
import { PullLoop, PULL_EVERY_HOURS, type LoopEvent } from '../lib/pull/loop';
import { pullFrom, Puller, type PullRun } from '../lib/pull/puller';
import { pullUnits } from '../lib/pull/units';
import { problem, type Problem } from '../lib/problem';
import type { AuthNode } from './btxh-auth';
import { renderProblem, T } from './i18n';
import { outboxFor, refuseInputs } from './outbox';
import { num } from './props';
import type { Node, NodeMessage, Red, Send } from './red';
import { age, clockTime, describe } from './sync-node';

/**
 * btxh-pull (D22, the seed's case A2): the way back from BTXH. On a schedule (four times a
 * day by default) and on any input message, it asks BTXH for the dossiers registered there
 * for the province's units since the last pull, and sends each one that is new or changed —
 * under the table's names, checked as the push side checks — on output 1; what the dossier
 * table refuses goes on output 2 with its problems. The window and what was sent are kept in
 * the connection's outbox, so a restart neither skips a window nor sends a dossier twice
 * unless it changed (lib/pull/puller.ts); when and how often it asks is lib/pull/loop.ts.
 */

interface PullConfig {
  id: string;
  name?: string;
  auth: string;
  /** Hours between pulls; 0: only when a message arrives. */
  every?: number | string;
  MaTinh?: string;
  MaHuyen?: string;
  MaXa?: string;
}

const API = 'DanhSachHoSo';
/** Messages sent between two turns of the event loop: a big day's answer never freezes the editor. */
const SLICE = 200;

const fmt = (n: number) => n.toLocaleString('en-US');
const turn = () => new Promise<void>((r) => setImmediate(r));

module.exports = function (RED: Red) {
  function BtxhPull(this: Node, config: PullConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const auth = RED.nodes.getNode(config.auth) as AuthNode | null;
    const everyMs = Math.round(num(config.every, PULL_EVERY_HOURS, 0) * 3_600_000);
    const refuse = (p: Problem) => renderProblem(RED, p).message;
    const units = auth ? pullUnits(config, auth.settings.codeSet) : undefined;
    const opened = outboxFor(RED, auth, () => {
      if (units && 'code' in units) return refuse(units);
      if (auth?.connection && !auth.connection.canPull) return refuse(problem(null, 'pullKey'));
      return undefined;
    });
    if (!auth || !auth.connection || !units || 'code' in units || 'broken' in opened) return refuseInputs(node, 'broken' in opened ? opened.broken : '');
    const connection = auth.connection;
    const outbox = opened.store;
    if (auth.queueKind === 'memory') node.warn(T(RED, 'pull.memory'));

    const rendered = (list: Problem[]) => list.map((p) => renderProblem(RED, p));
    const window = (run: PullRun) => ({ from: new Date(run.from).toISOString(), to: new Date(run.to).toISOString() });

    async function emit(run: PullRun): Promise<void> {
      const span = window(run);
      let n = 0;
      for (const p of run.pulled) {
        if (++n % SLICE === 0) await turn();
        const code = String(p.record.MaHoSo);
        node.send([{ topic: code, payload: p.record, btxh: { operation: API, change: p.change, warnings: rendered(p.warnings), window: span } }, null]);
      }
      for (const bad of run.invalid) {
        if (++n % SLICE === 0) await turn();
        const code = (bad.raw as Record<string, unknown>)?.maHoSo ?? (bad.raw as Record<string, unknown>)?.MaHoSo;
        node.send([null, { topic: typeof code === 'string' ? code : '', payload: bad.raw, btxh: { operation: API, reason: 'invalid', errors: rendered(bad.errors) } }]);
        node.warn(T(RED, 'pull.refused', { record: describe(bad.raw), reason: rendered(bad.errors).map((e) => e.message).join('; ').slice(0, 300) }));
      }
    }

    function tell(e: LoopEvent): void {
      if (e.kind === 'pulling') {
        node.status({ fill: 'blue', shape: 'dot', text: T(RED, 'pull.pulling') });
        return;
      }
      if (e.kind === 'pulled') {
        const r = e.run;
        const news = r.pulled.filter((p) => p.change === 'new').length;
        const parts = [T(RED, 'pull.part.new', { n: fmt(news) }), T(RED, 'pull.part.changed', { n: fmt(r.pulled.length - news) }), T(RED, 'pull.part.unchanged', { n: fmt(r.unchanged) })];
        if (r.invalid.length) parts.push(T(RED, 'pull.part.invalid', { n: fmt(r.invalid.length) }));
        if (e.nextInMs !== undefined) parts.push(T(RED, 'pull.next', { at: clockTime(Date.now() + e.nextInMs) }));
        node.status({ fill: r.invalid.length ? 'yellow' : 'green', shape: 'dot', text: T(RED, 'pull.done', { at: clockTime(r.to), parts: parts.join(' · ') }) });
        return;
      }
      const message = renderProblem(RED, e.problem).message;
      const retry = e.retryInMs !== undefined ? T(RED, 'pull.retry', { left: age(e.retryInMs) }) : '';
      if (e.retryInMs !== undefined) {
        node.status({ fill: 'yellow', shape: 'ring', text: T(RED, 'pull.down', { since: clockTime(e.since), retry }) });
      } else {
        node.status({ fill: 'red', shape: 'ring', text: T(RED, 'pull.refusedRun', { message: message.length > 100 ? message.slice(0, 99) + '…' : message }) });
        // A refusal does not pass by itself (a wrong key, an unknown unit): said every time, to Catch nodes too
        // (a pull a message asked for says it through that message's done()).
        if (e.scheduled) node.error(message, { payload: {}, btxh: { operation: API, reason: 'rejected', errors: [renderProblem(RED, e.problem)] } });
      }
      if (e.unreachable) {
        const text = T(RED, 'pull.unreachable', { minutes: Math.round((Date.now() - e.since) / 60_000) });
        // One error per outage, as the push nodes say it.
        node.error(text, { payload: { sinceMs: Date.now() - e.since }, btxh: { operation: API, reason: 'unreachable', errors: [renderProblem(RED, e.unreachable)] } });
      }
    }

    const puller = new Puller({ owner: node.id, units, store: outbox, pull: (q) => connection.pull(q), settings: auth.settings });
    const loop = new PullLoop({ puller, everyMs, unreachableAfterMs: SENDER_DEFAULTS.unreachableAfterMs, clock: systemClock, now: Date.now, emit, tell });

    let resolveStopped!: () => void;
    auth.use(new Promise<void>((r) => (resolveStopped = r)));

    node.on('input', (msg: NodeMessage, _send: Send, done: (err?: Error) => void) => {
      // Any message asks for a pull now (the one under way, if any), and is acknowledged when it
      // ends: with its problem when it failed (a Catch node hears it; the loop tries again by itself).
      // `msg.from` asks again from that time, every dossier of the window handed over again.
      let again: { from: number } | undefined;
      if (msg.from !== undefined && msg.from !== null && msg.from !== '') {
        const from = pullFrom(msg.from, Date.now());
        if (typeof from !== 'number') {
          const r = renderProblem(RED, from);
          return done(Object.assign(new Error(r.message), { problem: r }));
        }
        again = { from };
      }
      loop.pull(again).then(
        ({ problem: p }) => {
          const failed = p ? renderProblem(RED, p) : undefined;
          done(failed ? Object.assign(new Error(failed.message), { problem: failed }) : undefined);
        },
        (err: Error) => done(err),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      loop.close();
      // A run under way ends before the outbox closes (the connection waits for `use`): closed, it hands
      // nothing over and moves nothing, so the next start asks for the same window again.
      void Promise.resolve(loop.current?.catch(() => undefined)).finally(() => {
        node.status({});
        resolveStopped();
        done();
      });
    });

    node.status({ fill: 'grey', shape: 'ring', text: everyMs ? T(RED, 'pull.ready', { hours: fmt(everyMs / 3_600_000) }) : T(RED, 'pull.onInput') });
    void loop.start().catch((err: Error) => node.error(T(RED, 'warn.storeError', { message: err.message })));
  }

  RED.nodes.registerType('btxh-pull', BtxhPull);
};
