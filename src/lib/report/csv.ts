import { phrases, type Lang } from '../messages';
import { COUNTS, type Report } from './build';

/**
 * The report's detail table as CSV (a spreadsheet opens it): one line per operation, procedure
 * and unit, headers in the chosen language, UTF-8 with a byte-order mark so Excel reads the
 * Vietnamese letters. Written by csv-stringify, loaded only when a CSV is asked for.
 */
export function reportCsv(r: Report, lang: Lang = 'vi'): string {
  // An optional dependency (package.json): a missing one is said, not a crash.
  let stringify: (rows: unknown[][]) => string;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    stringify = (require('csv-stringify/sync') as { stringify: (rows: unknown[][]) => string }).stringify;
  } catch {
    throw Object.assign(new Error('csv-stringify is not installed'), { problem: { field: null, code: 'reportFormat', params: { format: 'csv', module: 'csv-stringify' } } });
  }
  const say = phrases(lang, 'report');
  const header = ['operation', 'procedure', 'province', 'district', 'commune'].map((c) => say(`col.${c}`)).concat(COUNTS.map((c) => say(`count.${c}`)));
  const lines = r.rows.map((x) => [x.operation, x.procedure, x.province, x.district, x.commune, ...COUNTS.map((c) => x[c])]);
  return '\ufeff' + stringify([header, ...lines]);
}
