'use strict';
/**
 * Preloaded into a real Node-RED process by bench/intake.js (`node -r`): it hands
 * inputs to a node of the running flow, as a query, split or Complete-paced node
 * would, and measures that process from inside — the longest event-loop delay
 * (perf_hooks.monitorEventLoopDelay) and the peak RSS over what it was before
 * the input. Answers on a loopback port of its own, written to ./probe.port (the user directory).
 *   POST /run {node, shape: "array"|"split"|"paced", n, records: "messy"|"wire"}
 *   POST /run {}   measures only, from now
 *   GET  /result  -> {maxDelayMs, rssMB, heapMB, liveMB}: peak growths over the start, and what a full
 *                    garbage collection at the end leaves of the heap's growth (what is held, not yet-uncollected garbage)
 */
const http = require('http');
const fs = require('fs');
const { monitorEventLoopDelay } = require('perf_hooks');
const messy = require('../../test/support/messy');

let state;

function red() {
  // The runtime this process's red.js started (the same module instance).
  return require(require.resolve('node-red', { paths: [process.cwd(), __dirname] }));
}

/** Starts measuring from now: the baseline RSS, the delay histogram, the optional CPU profile. */
async function measure() {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  state = { peak: rss0, rss0, heap: heap0, heap0, delay: monitorEventLoopDelay({ resolution: 10 }), t0: Date.now() };
  state.delay.enable();
  if (process.env.BENCH_PROFILE) {
    // A CPU profile of the run (BENCH_PROFILE=file.cpuprofile), for finding what to make faster.
    const inspector = require('inspector');
    state.session = new inspector.Session();
    state.session.connect();
    await new Promise((r) => state.session.post('Profiler.enable', () => state.session.post('Profiler.start', r)));
  }
  if (process.env.BENCH_HEAP_PROFILE) {
    // Where the run allocates (BENCH_HEAP_PROFILE=file.heapprofile), garbage included: what the collector has to clear.
    // BENCH_HEAP_OLD=1: only what outlived the young generation (what V8 promotes, and so how far it lets the heap grow).
    const inspector = require('inspector');
    state.heapSession = new inspector.Session();
    state.heapSession.connect();
    const post = (m, p) => new Promise((r, j) => state.heapSession.post(m, p, (e, v) => (e ? j(e) : r(v))));
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !process.env.BENCH_HEAP_OLD });
  }
  state.sampler = setInterval(() => {
    const m = process.memoryUsage();
    state.peak = Math.max(state.peak, m.rss);
    state.heap = Math.max(state.heap, m.heapUsed);
  }, 20);
}

async function run({ node: id, shape, n, records, paceBy }) {
  // No node: measure only (bench/backfill.js starts its flow through the admin API).
  if (!id) return measure();
  const RED = red();
  const node = RED.nodes.getNode(id);
  if (!node) throw new Error(`no node ${id}`);
  let inputs = Array.from({ length: n }, (_, i) => messy.dossier(i));
  if (records === 'wire') {
    const { prepare } = require('../../lib/normalise');
    const { operation } = require('../../lib/fields');
    inputs = inputs.map((r) => prepare(operation('dossier'), r).record);
  }
  await measure();
  if (shape === 'array') node.receive({ payload: inputs });
  else if (shape === 'split') for (const r of inputs) node.receive({ payload: r });
  else {
    // Two in flight, the next when a Complete node says one is done (pacing by hand).
    let next = 0;
    const go = () => next < n && node.receive({ payload: inputs[next++] });
    RED.nodes.getNode(paceBy).on('input', go);
    go();
    go();
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      if (req.url === '/run') {
        await run(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.end('{}');
      } else if (req.url === '/result') {
        state.delay.disable();
        clearInterval(state.sampler);
        if (state.session) {
          const { profile } = await new Promise((r, j) => state.session.post('Profiler.stop', (e, v) => (e ? j(e) : r(v))));
          fs.writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
        }
        if (state.heapSession) {
          const { profile } = await new Promise((r, j) => state.heapSession.post('HeapProfiler.stopSampling', (e, v) => (e ? j(e) : r(v))));
          fs.writeFileSync(process.env.BENCH_HEAP_PROFILE, JSON.stringify(profile));
        }
        global.gc?.();
        const liveMB = (process.memoryUsage().heapUsed - state.heap0) / 2 ** 20;
        res.end(JSON.stringify({ maxDelayMs: state.delay.max / 1e6, rssMB: (state.peak - state.rss0) / 2 ** 20, heapMB: (state.heap - state.heap0) / 2 ** 20, liveMB }));
      } else res.end('{}');
    } catch (err) {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: String(err.stack || err) }));
    }
  });
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync('probe.port', String(server.address().port)));
server.unref();
