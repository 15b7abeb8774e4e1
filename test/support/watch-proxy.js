'use strict';
// A loopback HTTP proxy in front of the sandbox that watches, for every API
// request, which record keys it carries and for how long the server is busy
// with them (from the request's arrival until the server's answer has been
// read, even when the client died meanwhile). Two requests carrying one key at
// the same time are recorded in `overlaps`: the outbox promises that never happens.
const http = require('http');

function keysOf(body) {
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const list = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? [parsed] : [];
  return list
    .filter((r) => r && typeof r === 'object' && r.MaHoSo !== undefined)
    .map((r) => (r.ThoiDiemXuLy !== undefined ? `${r.MaHoSo}|${r.ThoiDiemXuLy}` : String(r.MaHoSo)));
}

async function watchProxy(target) {
  const upstream = new URL(target);
  const busy = new Map(); // key -> requests carrying it right now
  const overlaps = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const n = ++requests;
      const keys = /GetToken|token/i.test(req.url) ? [] : keysOf(body.toString('utf8'));
      for (const k of keys) {
        const c = busy.get(k) || 0;
        if (c > 0) overlaps.push({ key: k, request: n, at: Date.now() });
        busy.set(k, c + 1);
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        for (const k of keys) {
          const c = busy.get(k) - 1;
          if (c > 0) busy.set(k, c);
          else busy.delete(k);
        }
      };
      const headers = { ...req.headers, host: upstream.host, 'content-length': body.length };
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent: false },
        (up) => {
          const parts = [];
          up.on('data', (c) => parts.push(c));
          up.on('error', release);
          up.on('end', () => {
            release();
            if (res.destroyed) return;
            res.writeHead(up.statusCode, up.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      out.on('error', () => {
        release();
        res.destroy();
      });
      out.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    overlaps,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

module.exports = { watchProxy };
