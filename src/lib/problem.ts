/**
 * A problem with one record or one field. The domain never builds sentences:
 * it returns a code and parameters, and the node adapters render them through
 * Node-RED's locales (`nodes/locales/<lang>/btxh-auth.json`, key `errors.<code>`),
 * so every message exists in Vietnamese and English. The sandbox renders the same
 * catalogue with `lib/messages`.
 */
export interface Problem {
  /** The wire field name, or null for whole-record and server problems. */
  field: string | null;
  /** Message key under `errors.` in the locale files, e.g. "required", "maxLength". */
  code: string;
  /** Interpolation values; never a full personal id. */
  params?: Record<string, string | number>;
}

export function problem(field: string | null, code: string, params?: Problem['params']): Problem {
  return params ? { field, code, params } : { field, code };
}
