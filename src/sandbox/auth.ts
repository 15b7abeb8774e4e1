import { randomBytes, timingSafeEqual } from 'crypto';

/** Opaque random tokens with an expiry; the sandbox never logs or shows them. */
export class Tokens {
  private live = new Map<string, number>();
  /** Every token ever issued, so tests can prove none of them leaked into a log or a message. */
  readonly issued: string[] = [];

  constructor(private lifetimeMs: number) {}

  issue(now = Date.now()): { token: string; expiresIn: number } {
    const token = randomBytes(24).toString('base64url');
    this.live.set(token, now + this.lifetimeMs);
    this.issued.push(token);
    return { token, expiresIn: this.lifetimeMs };
  }

  valid(token: string | undefined, now = Date.now()): boolean {
    if (!token) return false;
    const until = this.live.get(token);
    if (until === undefined) return false;
    if (until <= now) {
      this.live.delete(token);
      return false;
    }
    return true;
  }

  /** Every token issued so far stops working: the client must fetch a new one (D11). */
  expireAll(): void {
    this.live.clear();
  }
}

/** Constant-time comparison, so the sandbox does not teach clients a timing leak is fine. */
export function same(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : undefined;
}

/** client_id/client_secret from `Authorization: Basic` (OAuth2 client_secret_basic), if any. */
export function basic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? undefined : { id: decodeURIComponent(text.slice(0, i)), secret: decodeURIComponent(text.slice(i + 1)) };
}
