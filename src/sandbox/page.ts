import { esc } from '../lib/html';
import type { OperationId } from '../lib/fields';
import { operations } from '../lib/fields';
import { maskId, maskText } from '../lib/mask';
import { ZONE } from '../lib/settings';
import type { Faults } from './faults';
import type { Received } from './state';

/** How many receipts per operation the page shows (newest first). */
export const PAGE_LIMIT = 500;

/** Columns shown per operation besides time, request and MaHoSo. */
const COLUMNS: Record<OperationId, string[]> = {
  dossier: ['HoVaTen', 'CMND', 'MaTTHC', 'MaXa', 'StatusId', 'SubmittedDate'],
  progress: ['ThoiDiemXuLy', 'NguoiXuLy', 'NoiDungXuLy', 'StatusId', 'NgayKetThucTheoQuyDinh'],
  decision: ['HoVaTen', 'CMND', 'Url'],
};

/** A cell as shown: CMND masked, any id-like digit run in free text masked, long text cut. */
function cell(field: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field === 'CMND') return esc(maskId(value));
  const s = maskText(typeof value === 'string' ? value : JSON.stringify(value));
  return esc(s.length > 120 ? `${s.slice(0, 120)}…` : s);
}

/** Receipt time in Vietnam's zone (D3), whatever the server's zone. */
function local(iso: string): string {
  return new Date(iso).toLocaleString('sv-SE', { timeZone: ZONE });
}

function faultsText(f: Faults): string {
  const parts: string[] = [];
  if (f.outage) parts.push('mất kết nối / outage');
  if (f.latencyMs) parts.push(`độ trễ / latency ${f.latencyMs} ms`);
  if (f.status5xxRate) parts.push(`tỉ lệ 503 / 503 rate ${f.status5xxRate}`);
  if (f.status429) parts.push(`429 × ${f.status429.count}, Retry-After ${f.status429.retryAfterS} s`);
  if (f.rejectMaHoSo?.length) parts.push(`từ chối MaHoSo / reject: ${f.rejectMaHoSo.join(', ')}`);
  return parts.length ? parts.map(esc).join(' · ') : 'không có / none';
}

/** The read-only status page: Vietnamese first, English second, no external assets. */
export function page(all: Received[], counts: Record<string, number>, faults: Faults): string {
  const sections = (Object.keys(operations) as OperationId[]).map((op) => {
    const spec = operations[op];
    const rows = all.filter((r) => r.op === op).reverse().slice(0, PAGE_LIMIT);
    const cols = COLUMNS[op];
    const body = rows.length
      ? rows.map((r) => `<tr><td>${esc(local(r.at))}</td><td>${r.request}</td><td>${cell('MaHoSo', r.record.MaHoSo)}</td>${cols.map((c) => `<td>${cell(c, r.record[c])}</td>`).join('')}</tr>`).join('\n')
      : `<tr><td colspan="${cols.length + 3}">Chưa nhận bản ghi nào / No record received yet</td></tr>`;
    return `<section><h2>${esc(spec.title.vi)} (${spec.api}) — ${counts[op] ?? 0}</h2>
<p class="en">${esc(spec.title.en)}: ${counts[op] ?? 0} received${rows.length < (counts[op] ?? 0) ? `, newest ${rows.length} shown` : ''}</p>
<table><thead><tr><th>Thời điểm / At (UTC+7)</th><th>Yêu cầu / Request</th><th>MaHoSo</th>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table></section>`;
  });
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>BTXH sandbox — Môi trường thử nghiệm</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}.en{color:#666;margin-top:0}h2{margin-bottom:.2em}</style>
</head><body>
<h1>Môi trường thử nghiệm BTXH</h1>
<p class="en">BTXH sandbox: the records it has received. This page refreshes every 5 s.</p>
<p><b>Sự cố đang bật / Active faults:</b> ${faultsText(faults)}</p>
${sections.join('\n')}
</body></html>
`;
}
