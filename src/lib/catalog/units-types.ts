/** Which administrative code set a code belongs to (D13): they overlap with different meanings. */
export type CodeSet = 'pre-2025' | '2025';
export type Level = 'province' | 'district' | 'commune';

/** One administrative unit; `province`/`district` are its parents' codes in the same set. */
export interface Unit {
  code: string;
  name: string;
  level: Level;
  set: CodeSet;
  province?: string;
  district?: string;
}
