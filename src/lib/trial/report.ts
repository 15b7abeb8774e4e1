import { DateTime } from 'luxon';
import { catalogue, interpolate, type Lang } from '../messages';
import { TRIAL_PREFIX } from './cases';
import type { TrialResult } from './run';

/**
 * A trial's report as a printable page, in Vietnamese administrative style or in English:
 * dated (Vietnam's time), the address tried, each request with what BTXH answered, and the
 * note that every record was synthetic. Texts: `trial.*` in nodes/locales/<lang>/btxh-auth.json.
 */
export function trialHtml(r: TrialResult, lang: Lang = 'vi'): string {
  const c = catalogue(lang, 'trial') as unknown as Record<string, unknown>;
  const text = (key: string): string => {
    const v = key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), c);
    return typeof v === 'string' ? v : key;
  };
  const t = (key: string, params?: Record<string, unknown>) => esc(interpolate(text(key), params));
  const when = DateTime.fromMillis(r.at).setZone('Asia/Ho_Chi_Minh');
  const date = t('date', { day: when.toFormat('dd'), month: when.toFormat('MM'), year: when.toFormat('yyyy'), time: when.toFormat('HH:mm:ss'), iso: when.toISO() });
  const rows = r.steps.map((s, i) => `<tr class="${s.asExpected ? 'ok' : 'bad'}">
  <td>${i + 2}</td><td>${esc(s.api)}</td><td>${s.dossiers.map(esc).join('<br>')}</td><td>${t(`why.${s.why}`)}</td><td>${t(`expect.${s.expect}`)}</td>
  <td>${t(`outcome.${s.outcome}`)}</td><td>${s.status ?? ''}</td><td>${esc(s.code ?? '')}</td><td>${esc(s.message ?? '')}${s.errors ? esc(s.errors.map((p) => `${p.field ?? ''} ${p.code}`).join('; ')) : ''}</td>
  <td class="num">${s.ms ?? ''}</td><td>${s.asExpected ? t('ok') : t('notOk')}</td></tr>`);
  const token = `<tr class="${r.token.ok ? 'ok' : 'bad'}"><td>1</td><td>GetToken</td><td></td><td>${t('why.token')}</td><td>${t('expect.accepted')}</td>
  <td>${r.token.ok ? t('outcome.accepted') : t('outcome.failed')}</td><td>${r.token.status ?? ''}</td><td>${esc(r.token.code ?? '')}</td><td>${esc(r.token.message)}</td>
  <td class="num">${r.token.ms}</td><td>${r.token.ok ? t('ok') : t('notOk')}</td></tr>`;
  const verdict = r.passed ? t('passed') : r.token.ok ? t('failed') : t('tokenFailed');
  return `<!DOCTYPE html>
<html lang="${lang === 'vi' ? 'vi' : 'en'}"><head><meta charset="utf-8"><title>${t('title')}</title>
<style>
body{font-family:"Times New Roman",serif;font-size:13pt;margin:2cm 1.5cm;color:#000}
.head{text-align:center}.head .nation{font-weight:bold}.head .motto{font-weight:bold;text-decoration:underline}
h1{text-align:center;font-size:14pt;margin:1.2em 0 .3em}.date{text-align:center;font-style:italic;margin-bottom:1em}
table{border-collapse:collapse;width:100%;font-size:11pt}th,td{border:1px solid #000;padding:3px 5px;vertical-align:top}
th{background:#eee}td.num{text-align:right}tr.bad td{background:#fde8e8}.note{border:1px solid #000;padding:.5em;margin:1em 0}
@media print{body{margin:0}}
</style></head><body>
<div class="head"><div class="nation">${t('nation')}</div><div class="motto">${t('motto')}</div></div>
<h1>${t('title')}</h1>
<div class="date">${date}</div>
<p>${t('endpoint')}: <b>${esc(r.endpoint)}</b></p>
<div class="note">${t('synthetic', { prefix: TRIAL_PREFIX })}</div>
<table><thead><tr><th>${t('col.n')}</th><th>${t('col.op')}</th><th>${t('col.records')}</th><th>${t('col.case')}</th><th>${t('col.expect')}</th><th>${t('col.answer')}</th><th>HTTP</th><th>error_code</th><th>${t('col.message')}</th><th>${t('col.ms')}</th><th>${t('col.verdict')}</th></tr></thead>
<tbody>
${[token, ...rows].join('\n')}
</tbody></table>
<p><b>${verdict}</b></p>
</body></html>
`;
}

/** Text for HTML: every character that could open markup or leave an attribute, escaped. */
function esc(text: string): string {
  return String(text).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
