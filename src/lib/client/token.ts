/**
 * A cached credential shared by every caller of one Connection (D11). Callers
 * that find no valid token while a fetch is running await that same fetch, so
 * fifty concurrent sends cost one GetToken. A failed fetch is shared the same
 * way and not cached: the next caller tries again.
 */
import type { Failure } from './types';

export type Fetched = { ok: true; token: string; ttlMs?: number } | Failure;
export type Got = { ok: true; token: string } | Failure;

export class TokenCache {
  private token?: string;
  private expiresAt = 0;
  private inflight?: Promise<Got>;

  /**
   * @param fetcher  obtains a new token; `ttlMs` from the server (expires_in) wins over `lifetimeMs`
   * @param lifetimeMs  refresh proactively after this long; 0 = keep until rejected
   */
  constructor(
    private readonly fetcher: () => Promise<Fetched>,
    private readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<Got> {
    if (this.token !== undefined && this.now() < this.expiresAt) return Promise.resolve({ ok: true, token: this.token });
    if (!this.inflight) {
      this.inflight = this.fetcher().then(
        (r) => this.settle(r),
        // a bug in the fetcher must not leave every later caller awaiting a rejected promise
        (): Got => this.settle({ ok: false, kind: 'transient', code: 'network', message: 'token request failed' }),
      );
    }
    return this.inflight;
  }

  private settle(r: Fetched): Got {
    this.inflight = undefined;
    if (!r.ok) return r;
    const ttl = r.ttlMs ?? (this.lifetimeMs > 0 ? this.lifetimeMs : Infinity);
    this.token = r.token;
    this.expiresAt = this.now() + ttl;
    return { ok: true, token: r.token };
  }

  /**
   * Forget `token` after the server refused it. Only the token that was refused
   * is dropped: when many requests are refused with the same old token, the
   * first one triggers the refresh and the others reuse its result.
   */
  invalidate(token: string): void {
    if (this.token === token) {
      this.token = undefined;
      this.expiresAt = 0;
    }
  }

  /** Tokens currently held, so they can be scrubbed from anything shown. */
  current(): string | undefined {
    return this.token;
  }

  clear(): void {
    this.token = undefined;
    this.expiresAt = 0;
  }
}
