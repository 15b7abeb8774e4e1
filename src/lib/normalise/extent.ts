import type { FieldSpec } from '../fields/types';
import { wireUrl } from './contact';
import type { Report } from './report';
import { controlChar } from './text';

/**
 * D20: `CertificateExtentData`, the XML document a deployed province sends in DongBoDVC to
 * carry the result file's link:
 * `<ExtentData><DanhSachTaiLieuNop/><DanhSachGiayToKetQua><GiayToKetQua><TenGiayTo/>
 * <MaThanhPhanHoSo/><GiayToId/><DuongDanTepTinKetQua>URL</DuongDanTepTinKetQua>
 * <MaGiayToKetQua/></GiayToKetQua></DanhSachGiayToKetQua></ExtentData>`.
 * It is built — and an XML given as input is read and written again — by fast-xml-parser, an
 * optional dependency loaded only when a record has this field: the escaping of `&`, `<` and
 * quotes in a link or a file's name is the library's, never string concatenation.
 */

/** One result paper of the document. */
export interface ResultPaper {
  TenGiayTo?: string;
  MaThanhPhanHoSo?: string;
  GiayToId?: string;
  DuongDanTepTinKetQua: string;
  MaGiayToKetQua?: string;
}

const PAPER_FIELDS = ['TenGiayTo', 'MaThanhPhanHoSo', 'GiayToId', 'DuongDanTepTinKetQua', 'MaGiayToKetQua'] as const;
/** More papers than a dossier ever has: a runaway list is refused, not written. */
const MAX_PAPERS = 100;

interface Xml {
  build(doc: unknown): string;
  valid(text: string): true | { err: { msg: string; line?: number } };
  parse(text: string): unknown;
}

let xml: Xml | undefined;

/** The library, loaded on first use; a clear problem when it is not installed. */
function library(): Xml | undefined {
  if (xml) return xml;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const m = require('fast-xml-parser') as {
      XMLBuilder: new (o: object) => { build(d: unknown): string };
      XMLParser: new (o: object) => { parse(t: string): unknown };
      XMLValidator: { validate(t: string): true | { err: { msg: string; line?: number } } };
    };
    const builder = new m.XMLBuilder({ suppressEmptyNode: false });
    // Tags only, values as text (a GiayToId of "007" stays "007"); no DOCTYPE, no entities beyond XML's five.
    const parser = new m.XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, processEntities: true, htmlEntities: false,
      isArray: (name: string) => name === 'GiayToKetQua' });
    xml = { build: (d) => builder.build(d), valid: (t) => m.XMLValidator.validate(t), parse: (t) => parser.parse(t) };
    return xml;
  } catch {
    return undefined;
  }
}

/** The document's papers read from an XML text; a string naming the fault when it is not such a document. */
function readXml(x: Xml, text: string): ResultPaper[] | string {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return 'DOCTYPE';
  const ok = x.valid(text);
  if (ok !== true) return ok.err.msg;
  const doc = x.parse(text) as { ExtentData?: { DanhSachGiayToKetQua?: { GiayToKetQua?: unknown[] } | string } };
  if (!doc || typeof doc !== 'object' || !('ExtentData' in doc)) return 'ExtentData';
  const list = typeof doc.ExtentData === 'object' && doc.ExtentData && typeof doc.ExtentData.DanhSachGiayToKetQua === 'object' ? doc.ExtentData.DanhSachGiayToKetQua?.GiayToKetQua ?? [] : [];
  return list.map((p) => paperOf(p)).filter((p): p is ResultPaper => p !== undefined);
}

function paperOf(v: unknown): ResultPaper | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const k of PAPER_FIELDS) {
    const s = o[k];
    if (s === undefined || s === null) continue;
    out[k] = typeof s === 'string' ? s.trim() : typeof s === 'number' ? String(s) : '';
  }
  return { ...out, DuongDanTepTinKetQua: out.DuongDanTepTinKetQua ?? '' } as ResultPaper;
}

/** The papers an input names: a link, a paper ({DuongDanTepTinKetQua, TenGiayTo…}), a list of them, or the XML itself. */
function papersOf(x: Xml, v: unknown): ResultPaper[] | string {
  if (typeof v === 'string') {
    const s = v.trim();
    return s.startsWith('<') ? readXml(x, s) : [{ DuongDanTepTinKetQua: s }];
  }
  const list = Array.isArray(v) ? v : [v];
  const papers = list.map(paperOf);
  return papers.some((p) => p === undefined) ? 'shape' : (papers as ResultPaper[]);
}

/** The document for these papers, written by the library. */
export function extentXml(papers: ResultPaper[]): string {
  const x = library();
  if (!x) throw new Error('fast-xml-parser is not installed');
  return x.build({
    ExtentData: {
      DanhSachTaiLieuNop: '',
      DanhSachGiayToKetQua: { GiayToKetQua: papers.map((p) => Object.fromEntries(PAPER_FIELDS.map((k) => [k, p[k] ?? '']))) },
    },
  });
}

export function normaliseExtentData(f: FieldSpec, v: unknown, report: Report): string | undefined {
  const x = library();
  if (!x) {
    report.error(f.name, 'xmlLibrary', { module: 'fast-xml-parser' });
    return undefined;
  }
  const papers = papersOf(x, v);
  return judge(f, papers, report) ? extentXml(papers as ResultPaper[]) : undefined;
}

/** The wire check (and the sandbox's): the same rule as the normaliser's, on the document as sent. */
export function checkExtentData(f: FieldSpec, v: string, report: Report): void {
  const x = library();
  if (!x) report.error(f.name, 'xmlLibrary', { module: 'fast-xml-parser' });
  else judge(f, readXml(x, v), report);
}

/** A document of 1 to MAX_PAPERS papers, each with an absolute http(s) link and no control character; true when it is. */
function judge(f: FieldSpec, papers: ResultPaper[] | string, report: Report): boolean {
  if (typeof papers === 'string' || papers.length === 0 || papers.length > MAX_PAPERS) {
    const detail = typeof papers === 'string' ? papers : papers.length ? `> ${MAX_PAPERS}` : 'GiayToKetQua';
    report.error(f.name, 'extentData', { detail: detail.slice(0, 120) });
    return false;
  }
  for (const p of papers) {
    if (Object.values(p).some((s) => controlChar(String(s), true)) || !wireUrl(p.DuongDanTepTinKetQua)) {
      const u = p.DuongDanTepTinKetQua;
      report.error(f.name, 'extentLink', { value: u.length > 60 ? `${u.slice(0, 60)}…` : u });
      return false;
    }
  }
  return true;
}
