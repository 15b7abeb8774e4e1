import type { Profile } from './fields/types';

/**
 * Connection-level choices that change what is sent (set on btxh-auth, shared by
 * every node of the connection). Defaults follow api.md.
 */
export interface Settings {
  /** D20: the field tables the connection speaks (the annex's, or the deployed superset). */
  profile: Profile;
  /** D5: DanTocId carries the BTXH catalogue id (29 = Kinh) or the GSO code ("1"). */
  ethnicityCode: 'id' | 'gso';
  /** D13: which administrative code set is sent. */
  codeSet: 'pre-2025' | '2025';
  /**
   * What MaHuyen carries when codeSet is "2025" (there are no districts since 2025-07-01):
   * "old" = the pre-2025 district the commune came from when it is unambiguous,
   * "province" = the new province code padded to 3 digits, "empty" = "000".
   */
  district2025: 'old' | 'province' | 'empty';
  /** D6, D8: strict mode turns warnings (unknown procedure, NOHT_MaThon > 10) into errors. */
  strict: boolean;
  /** D3: output format per date field (luxon tokens), overriding the table's default. */
  dateFormats: Record<string, string>;
  /** D9: optional mapping from the province's own status codes to StatusId. */
  statusMap: Record<string, number>;
  /** Optional mapping from the province's own procedure codes to the national MaTTHC (D6). */
  procedureMap: Record<string, string>;
  /**
   * Numbers in date fields are spreadsheet serials (Excel's 1900 system: 32874 = 01/01/1990).
   * Off by default: a number there is refused (`dateNumber`), never read as epoch milliseconds.
   */
  excelDates: boolean;
}

export const defaultSettings: Settings = {
  profile: 'annex',
  ethnicityCode: 'id',
  codeSet: 'pre-2025',
  district2025: 'old',
  strict: false,
  dateFormats: {},
  statusMap: {},
  procedureMap: {},
  excelDates: false,
};

export const ZONE = 'Asia/Ho_Chi_Minh';
