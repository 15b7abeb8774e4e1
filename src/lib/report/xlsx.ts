import { phrases, type Lang } from '../messages';
import { COUNTS, type Delay, type Report } from './build';
import { vnDate, vnDateTime } from './time';

type Cell = string | number | null;

/**
 * The report as an Excel workbook: a summary sheet (period, decisions, delays), the totals,
 * the detail per procedure and unit, the refusals and the dossiers not delivered, headers in
 * the chosen language. Written by write-excel-file, an optional dependency loaded only when a
 * workbook is asked for.
 */
export async function reportXlsx(r: Report, lang: Lang = 'vi'): Promise<Buffer> {
  type Sheet = { data: Cell[][]; sheet: string };
  let write: (sheets: Sheet[]) => { toBuffer(): Promise<Buffer> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require('write-excel-file/node') as { default?: typeof write } & typeof write;
    write = mod.default ?? mod;
  } catch {
    throw Object.assign(new Error('write-excel-file is not installed'), { problem: { field: null, code: 'reportFormat', params: { format: 'xlsx', module: 'write-excel-file' } } });
  }
  const say = phrases(lang, 'report');
  const counts = COUNTS.map((c) => say(`count.${c}`));
  const hours = (d: Delay | undefined, k: 'median' | 'p95'): Cell => (d && d.count ? Math.round((d[k]! / 3_600_000) * 100) / 100 : null);
  const summary: Cell[][] = [
    [say('title')],
    [say('period', { from: vnDate(r.from), to: vnDate(r.to - 1) })],
    [say('generated', { at: vnDateTime(r.generatedAt) })],
    [],
    [say('section.decisions'), r.decisions.withDecision, r.decisions.dossiers, r.decisions.dossiers ? Math.round(r.decisions.share * 1000) / 10 : null],
    [],
    [say('col.operation'), `${say('col.fromAcceptance')} (h)`, 'p95 (h)', `${say('col.fromSubmission')} (h)`, 'p95 (h)'],
    ...Object.entries(r.delays).map(([op, d]): Cell[] => [op, hours(d.fromAcceptance, 'median'), hours(d.fromAcceptance, 'p95'), hours(d.fromSubmission, 'median'), hours(d.fromSubmission, 'p95')]),
  ];
  const sheets: Sheet[] = [
    { sheet: say('sheet.summary'), data: summary },
    { sheet: say('sheet.totals'), data: [[say('col.operation'), ...counts], ...r.totals.map((t): Cell[] => [t.operation, ...COUNTS.map((c) => t[c])])] },
    {
      sheet: say('sheet.rows'),
      data: [[say('col.operation'), say('col.procedure'), say('col.province'), say('col.district'), say('col.commune'), ...counts],
        ...r.rows.map((x): Cell[] => [x.operation, x.procedure, x.province, x.district, x.commune, ...COUNTS.map((c) => x[c])])],
    },
    { sheet: say('sheet.reasons'), data: [[say('col.operation'), 'error_code', say('col.message'), say('col.count')], ...r.rejectedBy.map((x): Cell[] => [x.operation, x.code, x.message, x.count])] },
    {
      sheet: say('sheet.failing'),
      data: [[say('col.dossier'), say('col.operation'), say('col.event'), say('col.at'), 'error_code', say('col.message')],
        ...r.failing.map((f): Cell[] => [f.dossier, f.operation, say(`event.${f.event}`), vnDateTime(f.at), f.code ?? '', f.message ?? (f.errors ?? []).map((p) => [p.field, p.code].filter(Boolean).join(' ')).join('; ')])],
    },
  ];
  return write(sheets).toBuffer();
}
