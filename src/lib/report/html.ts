import { esc, PRINT_STYLE } from '../html';
import { phrases, type Lang } from '../messages';
import { COUNTS, type Delay, type Report, type ReportRow } from './build';
import { vnDate, vnDateTime } from './time';

/**
 * The report as a printable page (A4, Vietnamese administrative style, or in English):
 * "Báo cáo kết quả kết nối hệ thống BTXH" for a period. Texts: `report.*` in
 * nodes/locales/<lang>/btxh-auth.json.
 */
export function reportHtml(r: Report, lang: Lang = 'vi', about: { connection?: string } = {}): string {
  const say = phrases(lang, 'report');
  const t = (key: string, params?: Record<string, unknown>) => esc(say(key, params));
  const n = (v: number) => v.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-US');
  const head = (cols: string[]) => `<tr>${cols.map((c) => `<th>${c}</th>`).join('')}</tr>`;
  const counts = (x: ReportRow) => COUNTS.map((c) => `<td class="num">${n(x[c])}</td>`).join('');
  const countHeads = COUNTS.map((c) => t(`count.${c}`));
  const totals = r.totals.map((x) => `<tr><td>${esc(x.operation)}</td>${counts(x)}</tr>`).join('\n');
  const rows = r.rows.map((x) => `<tr><td>${esc(x.operation)}</td><td>${esc(x.procedure)}</td><td>${esc(x.province)}</td><td>${esc(x.district)}</td><td>${esc(x.commune)}</td>${counts(x)}</tr>`).join('\n');
  const delay = (d: Delay | undefined) => (d && d.count ? `${duration(d.median!, say)} / ${duration(d.p95!, say)} (${n(d.count)})` : '—');
  const delays = Object.entries(r.delays).map(([op, d]) => `<tr><td>${esc(op)}</td><td>${esc(delay(d.fromAcceptance))}</td><td>${esc(d.fromSubmission ? delay(d.fromSubmission) : '—')}</td></tr>`).join('\n');
  const reasons = r.rejectedBy.map((x) => `<tr><td>${esc(x.operation)}</td><td>${esc(x.code)}</td><td>${esc(x.message)}</td><td class="num">${n(x.count)}</td></tr>`).join('\n');
  const failing = r.failing.map((f) => `<tr><td>${esc(f.dossier)}</td><td>${esc(f.operation)}</td><td>${t(`event.${f.event}`)}</td><td>${esc(vnDateTime(f.at))}</td><td>${esc(f.code ?? '')}</td><td>${esc(f.message ?? (f.errors ?? []).map((p) => [p.field, p.code].filter(Boolean).join(' ')).join('; '))}</td></tr>`).join('\n');
  const share = `${n(r.decisions.withDecision)} / ${n(r.decisions.dossiers)}${r.decisions.dossiers ? ` (${(r.decisions.share * 100).toFixed(1)} %)` : ''}`;
  const none = (cols: number) => `<tr><td colspan="${cols}">${t('none')}</td></tr>`;
  return `<!DOCTYPE html>
<html lang="${lang === 'vi' ? 'vi' : 'en'}"><head><meta charset="utf-8"><title>${t('title')}</title><style>${PRINT_STYLE}</style></head><body>
<div class="head"><div class="nation">${t('nation')}</div><div class="motto">${t('motto')}</div></div>
<h1>${t('title')}</h1>
<div class="date">${t('period', { from: vnDate(r.from), to: vnDate(r.to - 1) })}</div>
${about.connection ? `<p>${t('connection')}: <b>${esc(about.connection)}</b></p>` : ''}
<p>${t('generated', { at: vnDateTime(r.generatedAt) })}</p>
<div class="note">${t('meaning')}</div>
<h2>1. ${t('section.totals')}</h2>
<table><thead>${head([t('col.operation'), ...countHeads])}</thead><tbody>${totals || none(COUNTS.length + 1)}</tbody></table>
<h2>2. ${t('section.decisions')}</h2>
<p>${t('decisions', { share })}</p>
<h2>3. ${t('section.delays')}</h2>
<table><thead>${head([t('col.operation'), t('col.fromAcceptance'), t('col.fromSubmission')])}</thead><tbody>${delays || none(3)}</tbody></table>
<h2>4. ${t('section.reasons')}</h2>
<table><thead>${head([t('col.operation'), 'error_code', t('col.message'), t('col.count')])}</thead><tbody>${reasons || none(4)}</tbody></table>
<h2>5. ${t('section.rows')}</h2>
<table><thead>${head([t('col.operation'), t('col.procedure'), t('col.province'), t('col.district'), t('col.commune'), ...countHeads])}</thead><tbody>${rows || none(COUNTS.length + 5)}</tbody></table>
<h2>6. ${t('section.failing')}</h2>
<table><thead>${head([t('col.dossier'), t('col.operation'), t('col.event'), t('col.at'), 'error_code', t('col.message')])}</thead><tbody>${failing || none(6)}</tbody></table>
${r.failingMore ? `<p>${t('failingMore', { count: n(r.failingMore) })}</p>` : ''}
</body></html>
`;
}

/** A duration for people: "45 s", "12 min", "3,5 h", "2,1 days". */
function duration(ms: number, say: (k: string, p?: Record<string, unknown>) => string): string {
  const s = ms / 1000;
  if (s < 90) return say('unit.s', { n: Math.round(s) });
  if (s < 5400) return say('unit.min', { n: Math.round(s / 60) });
  if (s < 172_800) return say('unit.h', { n: (s / 3600).toFixed(1) });
  return say('unit.d', { n: (s / 86_400).toFixed(1) });
}
