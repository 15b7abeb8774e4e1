export { buildReport, COUNTS, FAILING_MAX, spread, type Count, type Delay, type Failing, type Report, type ReportQuery, type ReportRow } from './build';
export { reportCsv } from './csv';
export { factsOf } from './facts';
export { reportHtml } from './html';
export { reportXlsx } from './xlsx';
export { periodOf, submittedAt, vnDate } from './time';
