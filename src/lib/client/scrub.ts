/**
 * Secrets must never reach a result, a message or a log: the password, the
 * static key, the gateway secret and headers, the proxy password, and every
 * token this connection has held. A server that echoes "Token abc… hết hạn"
 * or a transport error that quotes a URL with credentials is scrubbed here,
 * at the one exit of every public method.
 */
import { setOwn } from '../own';
const MASK = '***';
/** Shorter values (e.g. SENDER_CODE: '') are not secrets and would mangle text. */
const MIN_LENGTH = 4;
const MAX_TOKENS = 20;

export class Scrubber {
  private readonly fixed: string[];
  private readonly tokens: string[] = [];

  constructor(secrets: Array<string | undefined>) {
    this.fixed = secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_LENGTH);
    // also their URL-encoded forms, as they would appear in a proxy URL or a form body
    for (const s of [...this.fixed]) {
      const e = encodeURIComponent(s);
      if (e !== s) this.fixed.push(e);
    }
  }

  /** Remember a token received from a server (the last MAX_TOKENS are kept). */
  addToken(t: string | undefined): void {
    if (!t || t.length < MIN_LENGTH || this.tokens.includes(t)) return;
    this.tokens.push(t);
    if (this.tokens.length > MAX_TOKENS) this.tokens.shift();
  }

  text(s: string): string {
    // longest first, so a secret that contains another is masked whole
    const all = [...this.fixed, ...this.tokens].sort((a, b) => b.length - a.length);
    for (const secret of all) if (s.includes(secret)) s = s.split(secret).join(MASK);
    return s;
  }

  /** Deep copy of a JSON-like value with every string scrubbed (keys included). */
  value<T>(v: T): T {
    if (typeof v === 'string') return this.text(v) as T;
    if (Array.isArray(v)) return v.map((x) => this.value(x)) as T;
    if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) setOwn(out, this.text(k), this.value(x));
      return out as T;
    }
    return v;
  }
}
