/** Text for HTML: every character that could open markup or leave an attribute, escaped. */
export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** The page style of the printable reports: an A4 page in the manner of a Vietnamese administrative document. */
export const PRINT_STYLE = `body{font-family:"Times New Roman",serif;font-size:13pt;margin:2cm 1.5cm;color:#000}
.head{text-align:center}.head .nation{font-weight:bold}.head .motto{font-weight:bold;text-decoration:underline}
h1{text-align:center;font-size:14pt;margin:1.2em 0 .3em}h2{font-size:13pt;margin:1.2em 0 .4em}.date{text-align:center;font-style:italic;margin-bottom:1em}
table{border-collapse:collapse;width:100%;font-size:11pt;margin-bottom:.8em}th,td{border:1px solid #000;padding:3px 5px;vertical-align:top}
th{background:#eee}td.num{text-align:right}tr.bad td{background:#fde8e8}tr.total td{font-weight:bold}.note{border:1px solid #000;padding:.5em;margin:1em 0}
@media print{body{margin:0}}`;
