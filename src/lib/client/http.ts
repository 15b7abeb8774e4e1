/**
 * The one axios instance of a Connection. Every call returns an Exchange and
 * never throws: HTTP statuses are data (validateStatus accepts all), transport
 * errors are reduced to code + message. Redirects are not followed unless the
 * caller asks (document checks only), the environment's proxy variables are
 * ignored (the proxy comes from Node-RED's http proxy node), and the deadline
 * covers the whole exchange, not only socket inactivity.
 */
import axios, { AxiosInstance, AxiosRequestConfig } from 'axios';
import type { Readable } from 'stream';
import type { Agents } from './agents';
import { Exchange, transportError } from './exchange';

export interface Request {
  method: 'POST' | 'GET' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  /** A Buffer when the caller made it (an API call's records: no string held while the request is out). */
  body?: string | Buffer;
  timeoutMs: number;
  /** 0 unless the caller explicitly accepts redirects. */
  maxRedirects?: number;
  /** Read only the first `firstBytes` bytes of the body, then drop the connection. */
  firstBytes?: number;
}

const MAX_BODY = 10 * 1024 * 1024;

export class Http {
  private readonly ax: AxiosInstance;

  constructor(private readonly agents: Agents, userAgent: string) {
    this.ax = axios.create({
      proxy: false,
      maxRedirects: 0,
      validateStatus: () => true,
      transformRequest: [(d: unknown) => d],
      transformResponse: [(d: unknown) => d],
      maxContentLength: MAX_BODY,
      headers: { 'User-Agent': userAgent, Accept: 'application/json, */*;q=0.5' },
    });
  }

  async request(r: Request): Promise<Exchange> {
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, r.timeoutMs);
    try {
      const cfg: AxiosRequestConfig = {
        method: r.method,
        url: r.url,
        headers: r.headers,
        data: r.body,
        signal: abort.signal,
        maxRedirects: r.maxRedirects ?? 0,
        responseType: r.firstBytes ? 'stream' : 'text',
        responseEncoding: 'utf8',
        ...this.agents.for(new URL(r.url)),
      };
      const res = await this.ax.request(cfg);
      const text = r.firstBytes ? (await readFirst(res.data as Readable, r.firstBytes)).toString('latin1') : typeof res.data === 'string' ? res.data : '';
      return { response: { status: res.status, headers: res.headers as Record<string, string>, text } };
    } catch (err) {
      return { error: transportError(err, timedOut) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The first n bytes of a stream (fewer if it ends), then the stream is destroyed. */
function readFirst(s: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = () => {
      s.removeAllListeners('data');
      s.destroy();
      resolve(Buffer.concat(chunks).subarray(0, n));
    };
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) done();
    });
    s.on('end', done);
    s.on('error', (e) => (got > 0 ? done() : reject(e)));
  });
}
