#!/usr/bin/env node
/**
 * btxh-sandbox: runs the BTXH sandbox for a province's step-2 tests.
 *   btxh-sandbox [--port 8088] [--host 127.0.0.1] [--username demo] [--password demo]
 *                [--token-lifetime <seconds>] [--key demo-key] [--strict] [--profile annex|deployed] [--quiet]
 * --port 0 picks a free port; the first line printed is always the URL.
 */
import { createSandbox, type SandboxOptions } from './server';

const USAGE = `btxh-sandbox [--port 8088] [--host 127.0.0.1] [--username demo] [--password demo] [--token-lifetime <seconds>] [--key demo-key] [--strict] [--profile annex|deployed] [--quiet]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: string[]): SandboxOptions & { quiet: boolean } {
  const o: SandboxOptions & { quiet: boolean } = { port: 8088, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const p = Number(value());
        if (!Number.isInteger(p) || p < 0 || p > 65535) fail('--port must be 0..65535');
        o.port = p;
        break;
      }
      case '--host': o.host = value(); break;
      case '--username': o.username = value(); break;
      case '--password': o.password = value(); break;
      case '--key': o.key = value(); break;
      case '--token-lifetime': {
        const s = Number(value());
        if (!Number.isFinite(s) || s <= 0) fail('--token-lifetime must be a positive number of seconds');
        o.tokenLifetimeMs = s * 1000;
        break;
      }
      case '--quiet': o.quiet = true; break;
      case '--strict': o.strict = true; break;
      case '--profile': {
        const v = value();
        if (v !== 'annex' && v !== 'deployed') fail('--profile must be annex or deployed');
        o.profile = v as 'annex' | 'deployed';
        break;
      }
      case '--help': case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
      default: fail(`unknown option: ${arg}`);
    }
  }
  return o;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const stamp = () => new Date().toISOString();
  const sandbox = await createSandbox({ ...o, log: o.quiet ? undefined : (line) => process.stdout.write(`${stamp()} ${line}\n`) });
  process.stdout.write(`${sandbox.url}\n`);
  if (!o.quiet) {
    // Only defaults are printed: a password or key chosen on the command line is never echoed.
    const login = o.username === undefined && o.password === undefined ? 'demo / demo' : `${o.username ?? 'demo'} / (--password)`;
    process.stdout.write(
      [
        `Môi trường thử nghiệm BTXH / BTXH sandbox`,
        `  Trang / page:        ${sandbox.url}/`,
        `  GetToken:            POST ${sandbox.url}/api/v1/Service/GetToken  (${login})`,
        `  DongBoDVC, XuLyHoSo, FileQuyetDinh: POST ${sandbox.url}/api/v1/Service/<api>  (header AccessKey)`,
        `  AcceptKey mode:      POST ${sandbox.url}/apiBTXH/<api>  (AcceptKey ${o.key === undefined ? 'demo-key' : '(--key)'})`,
        `  Gateway mode:        POST ${sandbox.url}/gateway/token, then ${sandbox.url}/gateway/api/v1/Service/<api>`,
        `  Sự cố / faults:      GET|POST ${sandbox.url}/_sandbox/faults`,
        '',
      ].join('\n'),
    );
  }
  const stop = () => {
    sandbox.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`btxh-sandbox: ${(e as Error).message}\n`);
  process.exit(1);
});
