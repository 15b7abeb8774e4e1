const fs = require('fs'); const path = require('path');
const { redProcess } = require('../test/support/red-process');
(async () => {
  for (const which of ['empty', 'pg']) {
    let flow = [{ id: 't', type: 'tab' }];
    if (which === 'pg') flow = JSON.parse(fs.readFileSync(path.join(__dirname, '../examples/database/postgresql.json'), 'utf8'));
    const creds = {};
    const auth = flow.find((x) => x.type === 'btxh-auth');
    if (auth) { auth.baseUrl = 'http://127.0.0.1:9'; creds[auth.id] = auth.credentials; delete auth.credentials; }
    const tab = flow.find((x) => x.type === 'tab');
    flow.push({ id: 'readyIn', z: tab.id, type: 'http in', url: '/ready', method: 'get', x: 0, y: 0, wires: [['readyOut']] },
      { id: 'readyOut', z: tab.id, type: 'http response', statusCode: '200', x: 0, y: 0, wires: [] });
    const red = await redProcess({ name: 'hm', flow, creds, editor: true, env: { TZ: 'Asia/Ho_Chi_Minh', MOTCUA_PG_URL: 'postgres://x@127.0.0.1:9/x', SNAP: process.env.SNAP ? `/tmp/hm/${which}.heapsnapshot` : '' }, nodeArgs: ['--expose-gc', '-r', '/tmp/hm/preload.js'] });
    await red.start();
    await new Promise((r) => setTimeout(r, 5000));
    const pid = red.pid ?? null;
    const out = red.pid;
    process.kill(Number(out), 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 8000));
    console.log(which, fs.readFileSync('/tmp/hm/out.' + out, 'utf8'));
    await red.destroy();
  }
  process.exit(0);
})();
