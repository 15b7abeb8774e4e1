'use strict';
// What the editor sees of a running Node-RED, read as the editor reads it: the
// /comms websocket. The debug sidebar (every message each debug node shows) and
// each node's status, by node id.
const WebSocket = require('ws');

function comms(port) {
  const shown = new Map();
  const statuses = new Map();
  /** Every status each node showed, in order. */
  const history = new Map();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/comms`);
  ws.on('open', () => {
    ws.send(JSON.stringify({ subscribe: 'debug' }));
    ws.send(JSON.stringify({ subscribe: 'status/#' }));
  });
  ws.on('message', (data) => {
    for (const m of [].concat(JSON.parse(String(data)))) {
      if (m.topic === 'debug') {
        if (!shown.has(m.data.id)) shown.set(m.data.id, []);
        shown.get(m.data.id).push(m.data);
      } else if (typeof m.topic === 'string' && m.topic.startsWith('status/')) {
        const id = m.topic.slice('status/'.length);
        statuses.set(id, m.data);
        if (!history.has(id)) history.set(id, []);
        history.get(id).push(m.data);
      }
    }
  });
  ws.on('error', () => undefined);
  const opened = new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { shown, statuses, history, opened, close: () => ws.close() };
}

module.exports = { comms };
