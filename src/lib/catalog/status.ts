import { fold } from './fold';

/**
 * D23: the national one-stop dossier statuses ("trạng thái hồ sơ" of the national public
 * service portal and the provincial one-stop systems read for api.md, "What deployed peers
 * show"): what StatusId most likely carries. The seed gives StatusId no list (D9), so the
 * package never refuses another number; the list names the usual ones, reads them by name,
 * and lets the lookup node and the editor show them.
 */
export interface Status {
  id: number;
  name: string;
  en: string;
}

const LIST: readonly Status[] = Object.freeze([
  { id: 1, name: 'Mới đăng ký', en: 'New' },
  { id: 2, name: 'Được tiếp nhận', en: 'Accepted' },
  { id: 3, name: 'Không được tiếp nhận', en: 'Not accepted' },
  { id: 4, name: 'Đang xử lý', en: 'Processing' },
  { id: 5, name: 'Yêu cầu bổ sung giấy tờ', en: 'Supplement requested' },
  { id: 6, name: 'Yêu cầu thực hiện nghĩa vụ tài chính', en: 'Financial obligation' },
  { id: 7, name: 'Công dân yêu cầu rút hồ sơ', en: 'Withdrawn' },
  { id: 8, name: 'Dừng xử lý', en: 'Stopped' },
  { id: 9, name: 'Đã xử lý xong', en: 'Done' },
  { id: 10, name: 'Đã trả kết quả', en: 'Result returned' },
].map((s) => Object.freeze(s)));

/** Names as people write them, folded (no diacritics, any case): the list's own and the short forms in use. */
const BY_NAME = new Map<string, Status>();
const say = (id: number, ...names: string[]) => {
  const s = LIST.find((x) => x.id === id)!;
  for (const n of [s.name, s.en, ...names]) BY_NAME.set(fold(n), s);
};
say(1, 'mới', 'moi dang ky', 'đăng ký mới');
say(2, 'tiếp nhận', 'đã tiếp nhận');
say(3, 'từ chối tiếp nhận', 'không tiếp nhận');
say(4, 'đang giải quyết');
say(5, 'bổ sung hồ sơ', 'yêu cầu bổ sung');
say(6, 'nghĩa vụ tài chính');
say(7, 'rút hồ sơ', 'yêu cầu rút hồ sơ');
say(8, 'dừng giải quyết');
say(9, 'đã giải quyết', 'hoàn thành', 'xử lý xong');
say(10, 'trả kết quả', 'đã trả kq');

export const status = {
  /** By number (1–10, or its digits as text) or by name; anything else is undefined. */
  find(input: unknown): Status | undefined {
    if (typeof input === 'number') return Number.isInteger(input) ? LIST.find((s) => s.id === input) : undefined;
    if (typeof input !== 'string' || !input.trim()) return undefined;
    const t = input.trim();
    if (/^\d+$/.test(t)) return LIST.find((s) => s.id === Number(t));
    return BY_NAME.get(fold(t));
  },
  /** By name only: what a StatusId that is not a number may be. */
  byName(input: string): Status | undefined {
    return BY_NAME.get(fold(input));
  },
  all(): Status[] {
    return LIST.map((s) => ({ ...s }));
  },
};
