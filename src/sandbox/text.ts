/**
 * The sandbox's own protocol answers. The BTXH system answers in Vietnamese;
 * each answer also carries `message_en` so a non-Vietnamese reader of a log can follow.
 * Record problems are not here: they are rendered from the shared locale catalogue.
 */
export const TEXT = {
  ok: { vi: 'Thành công', en: 'Success' },
  badLogin: { vi: 'Sai tài khoản hoặc mật khẩu', en: 'Wrong username or password' },
  badToken: { vi: 'Token không hợp lệ hoặc đã hết hạn', en: 'Token invalid or expired' },
  badKey: { vi: 'AcceptKey không hợp lệ', en: 'Invalid AcceptKey' },
  badBearer: { vi: 'Cổng kết nối: thiếu hoặc sai Bearer token', en: 'Gateway: missing or invalid Bearer token' },
  badJson: { vi: 'Dữ liệu gửi lên không phải JSON hợp lệ', en: 'The request body is not valid JSON' },
  badBody: { vi: 'Dữ liệu gửi lên phải là một mảng JSON các bản ghi hoặc một bản ghi', en: 'The body must be a JSON array of records or one record' },
  emptyBody: { vi: 'Không có bản ghi nào trong yêu cầu', en: 'The request holds no record' },
  tooLarge: { vi: 'Yêu cầu quá lớn', en: 'Request too large' },
  busy: { vi: 'Hệ thống đang bận, vui lòng thử lại sau', en: 'Service unavailable, try again later' },
  tooMany: { vi: 'Quá nhiều yêu cầu, vui lòng thử lại sau __s__ giây', en: 'Too many requests, retry after __s__ s' },
  notFound: { vi: 'Không tìm thấy địa chỉ', en: 'Not found' },
  method: { vi: 'Phương thức không được hỗ trợ', en: 'Method not allowed' },
  internal: { vi: 'Lỗi hệ thống', en: 'Internal error' },
  invalid: { vi: 'Dữ liệu không hợp lệ, không bản ghi nào được lưu', en: 'Invalid data, no record was stored' },
  record: { vi: 'bản ghi', en: 'record' },
  noCode: { vi: 'không có MaHoSo', en: 'no MaHoSo' },
} as const;

export type TextKey = keyof typeof TEXT;

/** `{message, message_en}` of a protocol answer. */
export function says(key: TextKey, params: Record<string, string | number> = {}): { message: string; message_en: string } {
  const fill = (t: string) => t.replace(/__(\w+)__/g, (m, k: string) => (k in params ? String(params[k]) : m));
  return { message: fill(TEXT[key].vi), message_en: fill(TEXT[key].en) };
}
