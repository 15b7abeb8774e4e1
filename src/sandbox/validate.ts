import type { OperationSpec } from '../lib/fields';
import { maskText } from '../lib/mask';
import { render } from '../lib/messages';
import { problem, type Problem } from '../lib/problem';
import type { Settings } from '../lib/settings';
import { check } from './check';
import { TEXT } from './text';

/** One problem of one record, as the sandbox reports it to the client. */
export interface RecordError {
  index: number;
  MaHoSo: string | null;
  field: string | null;
  code: string;
  params?: Record<string, string | number>;
  message: string;
  message_en: string;
}

/**
 * Checks every record of a request (the request is all-or-nothing, so every
 * bad record is named at once, not only the first). `reject` is the
 * rejectMaHoSo fault: those dossiers are refused as if BTXH knew them to be bad.
 */
export function validate(op: OperationSpec, records: unknown[], settings: Partial<Settings>, reject: string[] = []): RecordError[] {
  const out: RecordError[] = [];
  records.forEach((record, index) => {
    const r = typeof record === 'object' && record !== null && !Array.isArray(record) ? (record as Record<string, unknown>) : undefined;
    const MaHoSo = r && typeof r.MaHoSo === 'string' ? r.MaHoSo : r && typeof r.MaHoSo === 'number' ? String(r.MaHoSo) : null;
    const problems: Problem[] = check(op, record, settings);
    if (MaHoSo !== null && reject.includes(MaHoSo)) problems.push(problem('MaHoSo', 'rejectedForTest', { MaHoSo }));
    for (const p of problems) {
      // Params never carry a full personal id, whatever the checker put in them.
      const params = p.params
        ? Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, typeof v === 'string' ? maskText(v) : v]))
        : undefined;
      const shown: Problem = params ? { ...p, params } : p;
      out.push({
        index,
        MaHoSo,
        field: p.field,
        code: p.code,
        ...(params ? { params } : {}),
        message: render(shown, 'vi'),
        message_en: render(shown, 'en-US'),
      });
    }
  });
  return out;
}

/** One-paragraph summary naming each bad record (index, MaHoSo) and each field. */
export function summary(errors: RecordError[]): { message: string; message_en: string } {
  const text = (lang: 'vi' | 'en') => {
    const byRecord = new Map<number, RecordError[]>();
    for (const e of errors) byRecord.set(e.index, [...(byRecord.get(e.index) ?? []), e]);
    const parts = [...byRecord.entries()].map(([index, list]) => {
      const code = list[0].MaHoSo !== null ? `MaHoSo ${list[0].MaHoSo}` : TEXT.noCode[lang];
      const fields = list.map((e) => `${e.field ?? '*'}: ${lang === 'vi' ? e.message : e.message_en}`).join('; ');
      return `${TEXT.record[lang]} [${index}] (${code}): ${fields}`;
    });
    return `${TEXT.invalid[lang]}. ${parts.join('. ')}.`;
  };
  return { message: text('vi'), message_en: text('en') };
}
