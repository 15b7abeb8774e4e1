/**
 * FileQuyetDinh option: before sending a decision, check that its Url serves
 * the decision file itself. MOLISA runs OCR on it, so an HTML login page, an
 * error page or a 404 behind the link is a failure the province should see now,
 * not weeks later. No credentials go to that server; up to 3 redirects are
 * followed there (file servers and CDNs use them), nothing else is attached.
 */
import { classifyError } from './classify';
import type { Response } from './exchange';
import type { Http } from './http';
import type { DocumentCheck } from './types';

const MAX_REDIRECTS = 3;
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

function transportCode(code: string, message: string): string {
  if (code === 'ERR_FR_TOO_MANY_REDIRECTS') return 'documentStatus';
  return classifyError({ code, message }).code;
}

export async function checkDocument(http: Http, url: string, timeoutMs: number): Promise<DocumentCheck> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, code: 'documentUrl' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, code: 'documentUrl' };
  const accept = 'application/pdf, image/*;q=0.9, */*;q=0.1';

  const head = await http.request({ method: 'HEAD', url, headers: { Accept: accept }, timeoutMs, maxRedirects: MAX_REDIRECTS });
  if (head.response) {
    const { status } = head.response;
    const type = mediaType(head.response);
    const ok2xx = status >= 200 && status < 300;
    if (status === 404 || status === 410) return { ok: false, status, contentType: type || undefined, code: 'documentStatus' };
    if (ok2xx && isDocumentType(type)) return { ok: true, status, contentType: type };
    if (ok2xx && !isOpaqueType(type)) return { ok: false, status, contentType: type, code: 'documentType' };
    // HEAD refused (405, 501, or 403 on URLs signed for GET) or an opaque type: look at the file
  } else if (head.error.code === 'TIMEOUT' || /CERT|SELF_SIGNED|ERR_TLS/.test(head.error.code)) {
    return { ok: false, code: transportCode(head.error.code, head.error.message) };
  }

  const get = await http.request({
    method: 'GET',
    url,
    headers: { Accept: accept, Range: `bytes=0-${SNIFF_BYTES - 1}` },
    timeoutMs,
    maxRedirects: MAX_REDIRECTS,
    firstBytes: SNIFF_BYTES,
  });
  if (get.error) return { ok: false, code: transportCode(get.error.code, get.error.message) };
  const { status, text } = get.response;
  const type = mediaType(get.response);
  const contentType = type || undefined;
  if (status < 200 || status >= 300) return { ok: false, status, contentType, code: 'documentStatus' };
  if (isDocumentType(type) || (isOpaqueType(type) && looksLikeDocument(text))) return { ok: true, status, contentType };
  return { ok: false, status, contentType, code: 'documentType' };
}
