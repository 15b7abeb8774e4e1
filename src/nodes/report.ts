import type { Store } from '../lib/outbox/store';
import { problem } from '../lib/problem';
import { buildReport, periodOf, reportCsv, reportHtml, reportXlsx, type Report } from '../lib/report';
import { DateTime } from 'luxon';
import { langOf, renderProblem } from './i18n';
import type { Red } from './red';

export type ReportFormat = 'json' | 'csv' | 'html' | 'xlsx';

export interface ReportAnswer {
  format: ReportFormat;
  /** The report (json), its text (csv, html) or the workbook (xlsx). */
  body: Report | string | Buffer;
  /** A file name for it: bao-cao-btxh-2026-11-01-2026-11-30.csv. */
  filename: string;
  contentType: string;
}

const TYPES: Record<ReportFormat, string> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * The report for the ministry from a connection's outbox, as a flow (`msg.topic = "report"`)
 * or the editor asks for it: `{month | day | from, to, format: json|csv|html, lang: vi|en}`.
 * A period or format that cannot be read is an error naming it, never a report of something else.
 */
export async function reportAnswer(RED: Red, store: Store, raw: unknown, about: { connection?: string } = {}): Promise<ReportAnswer> {
  const ask = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : raw === undefined || raw === null || raw === '' ? {} : undefined;
  const { format = 'json', lang = 'vi', ...period } = ask ?? {};
  const span = ask ? periodOf(Object.keys(period).length ? period : undefined) : undefined;
  const bad = (field: string, code: string, params?: Record<string, string>) => {
    const p = problem(field, code, params);
    throw Object.assign(new Error(renderProblem(RED, p).message), { problem: p });
  };
  if (!span) bad('payload', 'reportPeriod');
  if (format !== 'json' && format !== 'csv' && format !== 'html' && format !== 'xlsx') bad('format', 'reportFormatUnknown', { format: String(format).slice(0, 20) });
  // The ministry's report is in Vietnamese unless English is asked for.
  const language = langOf(lang, 'vi');
  const report = await buildReport(store, span!);
  const day = (ms: number) => DateTime.fromMillis(ms, { zone: 'Asia/Ho_Chi_Minh' }).toFormat('yyyy-MM-dd');
  const f = format as ReportFormat;
  const filename = `bao-cao-btxh-${day(report.from)}-${day(report.to - 1)}.${f}`;
  let body: Report | string | Buffer = report;
  try {
    if (f === 'csv') body = reportCsv(report, language);
    if (f === 'html') body = reportHtml(report, language, about);
    if (f === 'xlsx') body = await reportXlsx(report, language);
  } catch (err) {
    const p = (err as { problem?: ReturnType<typeof problem> }).problem;
    if (p) throw Object.assign(new Error(renderProblem(RED, p).message), { problem: p });
    throw err;
  }
  return { format: f, body, filename, contentType: TYPES[f] };
}
