/**
 * Keep-alive agents, made once per Connection and reused by every request (the
 * deployed client built a new HTTP client per run and paid a TCP+TLS handshake
 * each time). Four at most: direct or through the proxy, for http or https.
 */
import * as http from 'http';
import * as https from 'https';
import { rootCertificates } from 'tls';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { publicOnlyLookup } from './private';
import type { ProxyConfig, TlsConfig } from './types';

export interface AgentPair {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/** Does `noProxy` exempt this URL's host? Entries: "host", "host:port", ".suffix", "*.suffix", "*". */
export function bypassesProxy(url: URL, noProxy: string[] = []): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\*?\./, '.'));
    const name = (m?.[1] ?? entry).replace(/^\[|\]$/g, '');
    const entryPort = m?.[2];
    if (entryPort && entryPort !== port) continue;
    if (name.startsWith('.') ? host.endsWith(name) || host === name.slice(1) : host === name || host.endsWith('.' + name)) {
      return true;
    }
  }
  return false;
}

function proxyUrl(p: ProxyConfig): URL {
  const u = new URL(p.url);
  if (p.username) u.username = encodeURIComponent(p.username);
  if (p.password) u.password = encodeURIComponent(p.password);
  return u;
}

/**
 * `purpose` 'api' uses the connection's TLS settings exactly as Node-RED's
 * tls-config gives them (a custom CA replaces the public roots, the client
 * certificate is presented). 'document' checks a file server that is not the
 * BTXH system: public roots plus the custom CA, no client certificate.
 */
export class Agents {
  private made = new Map<string, http.Agent>();

  constructor(
    private readonly tls: TlsConfig | undefined,
    private readonly proxy: ProxyConfig | undefined,
    private readonly purpose: 'api' | 'document',
    /** Refuse names that resolve to private or loopback addresses (checked at connect time). Through a proxy the proxy resolves. */
    private readonly publicOnly = false,
  ) {
    if (proxy) proxyUrl(proxy); // fail early on a malformed proxy URL
  }

  private tlsOptions(): https.AgentOptions {
    const t = this.tls ?? {};
    const o: https.AgentOptions = { rejectUnauthorized: t.rejectUnauthorized !== false };
    if (this.purpose === 'api') {
      if (t.ca) o.ca = t.ca;
      if (t.cert) o.cert = t.cert;
      if (t.key) o.key = t.key;
      if (t.pfx) o.pfx = t.pfx;
      if (t.passphrase) o.passphrase = t.passphrase;
      if (t.servername) o.servername = t.servername;
    } else if (t.ca) {
      // A file server is another host: the API's SNI name and client certificate are not for it.
      o.ca = [...rootCertificates, t.ca.toString()];
    }
    return o;
  }

  private get(kind: 'http' | 'https', proxied: boolean): http.Agent {
    const id = `${kind}:${proxied}`;
    let a = this.made.get(id);
    if (!a) {
      const base = { keepAlive: true };
      if (proxied && this.proxy) {
        const proxy = proxyUrl(this.proxy);
        a = kind === 'http' ? new HttpProxyAgent({ ...base, proxy }) : new HttpsProxyAgent({ ...base, ...this.tlsOptions(), proxy });
      } else {
        const direct = this.publicOnly ? { ...base, lookup: publicOnlyLookup } : base;
        a = kind === 'http' ? new http.Agent(direct) : new https.Agent({ ...direct, ...this.tlsOptions() });
      }
      this.made.set(id, a);
    }
    return a;
  }

  /** The agents for a request to `url` (both, since a document check may redirect across schemes). */
  for(url: URL): AgentPair {
    const proxied = !!this.proxy && !bypassesProxy(url, this.proxy.noProxy);
    return { httpAgent: this.get('http', proxied), httpsAgent: this.get('https', proxied) as https.Agent };
  }

  destroy(): void {
    for (const a of this.made.values()) a.destroy();
    this.made.clear();
  }
}
