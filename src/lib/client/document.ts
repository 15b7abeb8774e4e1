/**
 * FileQuyetDinh option: before sending a decision, check that its Url serves
 * the decision file itself. MOLISA runs OCR on it, so an HTML login page, an
 * error page or a 404 behind the link is a failure the province should see now,
 * not weeks later.
 *
 * The link comes from the data, so the check is built not to be a way into the
 * province's network: no credentials go to that server; links to private,
 * loopback or link-local addresses are refused (BTXH, on the internet, could
 * not open them either) unless the node allows them; up to 3 redirects are
 * followed, on the same host only; only the headers and the first 16 bytes
 * are read; the whole check, redirects included, has one deadline. A failure
 * that may pass (a timeout, a refused connection, 5xx, 408, 429) is
 * `transient`: the engine tries the record again later instead of refusing it.
 */
import { classifyError } from './classify';
import type { Response, TransportError } from './exchange';
import type { Http, Request } from './http';
import { isLocalName, isPrivateIp, PRIVATE_CODE } from './private';
import type { DocumentCheck } from './types';

const MAX_REDIRECTS = 3;
/** The longest a whole check may take, redirects and the GET fallback included. */
export const DOCUMENT_BUDGET_MS = 10_000;
const SNIFF_BYTES = 16;

/** Types that are a decision file. */
function isDocumentType(t: string): boolean {
  return t === 'application/pdf' || t === 'application/x-pdf' || t.startsWith('image/');
}

/** Types that say nothing about the content: look at the first bytes instead. */
function isOpaqueType(t: string): boolean {
  return t === '' || t === 'application/octet-stream' || t === 'binary/octet-stream' || t === 'application/download' || t === 'application/force-download';
}

/** PDF, PNG, JPEG, GIF, TIFF, WebP signatures. */
export function looksLikeDocument(bytes: string): boolean {
  return (
    bytes.startsWith('%PDF-') ||
    bytes.startsWith('\x89PNG') ||
    bytes.startsWith('\xFF\xD8\xFF') ||
    bytes.startsWith('GIF8') ||
    bytes.startsWith('II*\x00') ||
    bytes.startsWith('MM\x00*') ||
    (bytes.startsWith('RIFF') && bytes.slice(8, 12) === 'WEBP')
  );
}

function mediaType(r: Response): string {
  const h = r.headers['content-type'];
  const v = Array.isArray(h) ? h[0] : h;
  return (v ?? '').split(';')[0].trim().toLowerCase();
}

/** A transport failure: the address refused for good, or trouble that may pass. */
function transportFailure(e: TransportError): DocumentCheck {
  if (e.code === PRIVATE_CODE) return { ok: false, code: 'documentPrivate' };
  if (e.code === 'ERR_FR_TOO_MANY_REDIRECTS') return { ok: false, code: 'documentRedirects' };
  const f = classifyError(e);
  if (f.kind === 'rejected') return { ok: false, code: f.code }; // a TLS certificate the operator must fix
  return { ok: false, code: 'documentUnavailable', reason: f.code, transient: true };
}

/** An HTTP status that may pass: the server is overloaded, down, or asks to wait. */
function passing(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export interface DocumentOptions {
  /** Also check links to private, loopback and link-local addresses (off by default). */
  allowPrivate?: boolean;
  /** Deadline of the whole check (default DOCUMENT_BUDGET_MS). */
  budgetMs?: number;
  /** Clock for the deadline (tests). */
  now?: () => number;
}

export async function checkDocument(http: Http, url: string, opts: DocumentOptions = {}): Promise<DocumentCheck> {
  let start: URL;
  try {
    start = new URL(url);
  } catch {
    return { ok: false, code: 'documentUrl' };
  }
  if (start.protocol !== 'http:' && start.protocol !== 'https:') return { ok: false, code: 'documentUrl' };
  // Redirects stay on this host, so the address is judged once, here (names again at connect time).
  if (!opts.allowPrivate && (isLocalName(start.hostname) || isPrivateIp(start.hostname))) return { ok: false, code: 'documentPrivate' };
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.budgetMs ?? DOCUMENT_BUDGET_MS);
  const accept = 'application/pdf, image/*;q=0.9, */*;q=0.1';

  /** One request, following redirects by hand: same host only, at most MAX_REDIRECTS. */
  async function fetch(req: Omit<Request, 'url' | 'timeoutMs'>): Promise<{ response: Response } | { check: DocumentCheck }> {
    let at = start;
    for (let hop = 0; ; hop++) {
      const left = deadline - now();
      if (left <= 0) return { check: { ok: false, code: 'documentUnavailable', reason: 'timeout', transient: true } };
      const x = await http.request({ ...req, url: at.toString(), timeoutMs: left, maxRedirects: 0 });
      if (x.error) return { check: transportFailure(x.error) };
      const r = x.response;
      const location = r.headers.location;
      if (r.status < 300 || r.status >= 400 || !location) return { response: r };
      if (hop >= MAX_REDIRECTS) return { check: { ok: false, status: r.status, code: 'documentRedirects' } };
      let next: URL;
      try {
        next = new URL(String(location), at);
      } catch {
        return { check: { ok: false, status: r.status, code: 'documentUrl' } };
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return { check: { ok: false, status: r.status, code: 'documentUrl' } };
      // Another host would be a server the data did not name (a login portal, an internal address).
      if (next.hostname.toLowerCase() !== start.hostname.toLowerCase()) return { check: { ok: false, status: r.status, code: 'documentRedirect' } };
      at = next;
    }
  }

  const head = await fetch({ method: 'HEAD', headers: { Accept: accept } });
  if ('check' in head) {
    if (head.check.code !== 'documentUnavailable' || head.check.reason === 'timeout') return head.check;
    // A server that drops HEAD (some do) may still answer GET.
  } else {
    const { status } = head.response;
    const type = mediaType(head.response);
    const ok2xx = status >= 200 && status < 300;
    if (status === 404 || status === 410) return { ok: false, status, contentType: type || undefined, code: 'documentStatus' };
    if (ok2xx && isDocumentType(type)) return { ok: true, status, contentType: type };
    if (ok2xx && !isOpaqueType(type)) return { ok: false, status, contentType: type, code: 'documentType' };
    // HEAD refused (405, 501, or 403 on URLs signed for GET), failing, or an opaque type: look at the file
  }

  const get = await fetch({ method: 'GET', headers: { Accept: accept, Range: `bytes=0-${SNIFF_BYTES - 1}` }, firstBytes: SNIFF_BYTES });
  if ('check' in get) return get.check;
  const { status, text } = get.response;
  const type = mediaType(get.response);
  const contentType = type || undefined;
  if (passing(status)) return { ok: false, status, contentType, code: 'documentUnavailable', reason: `HTTP ${status}`, transient: true };
  if (status < 200 || status >= 300) return { ok: false, status, contentType, code: 'documentStatus' };
  if (isDocumentType(type) || (isOpaqueType(type) && looksLikeDocument(text))) return { ok: true, status, contentType };
  return { ok: false, status, contentType, code: 'documentType' };
}
