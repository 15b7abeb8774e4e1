import { DateTime } from 'luxon';
import { phrases, type Lang } from '../messages';
import { esc, PRINT_STYLE } from '../html';
import { TRIAL_PREFIX } from './cases';
import type { TrialResult } from './run';

/**
 * A trial's report as a printable page, in Vietnamese administrative style or in English:
 * dated (Vietnam's time), the address tried, each request with what BTXH answered, and the
 * note that every record was synthetic. Texts: `trial.*` in nodes/locales/<lang>/btxh-auth.json.
 */
export function trialHtml(r: TrialResult, lang: Lang = 'vi'): string {
  const say = phrases(lang, 'trial');
  const t = (key: string, params?: Record<string, unknown>) => esc(say(key, params));
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
<style>${PRINT_STYLE}</style></head><body>
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

