/**
 * The outcome of one HTTP exchange with BTXH, as the Connection
 * (lib/client) returns it. `transient` = worth retrying (network, timeout, 5xx,
 * 429); `rejected` = the server answered no (D10) and the same request will get
 * the same answer.
 */
export type SendResult =
  | { ok: true; status: number; body: unknown; message?: string }
  | {
      ok: false;
      kind: 'transient' | 'rejected';
      status?: number;
      code: string;
      message: string;
      body?: unknown;
      retryAfterMs?: number;
    };

export type SendFailure = Extract<SendResult, { ok: false }>;
