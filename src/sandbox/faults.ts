/**
 * Faults a province (or a test) switches on while the sandbox runs, to see how
 * its client behaves when BTXH is slow, down, busy or refuses a dossier.
 */
export interface Faults {
  /** Delay every API answer by this many ms (the request is processed first, then answered late). */
  latencyMs?: number;
  /** Destroy every API connection without answering: a network error for the client. */
  outage?: boolean;
  /** Share of API requests (0..1) answered 503. */
  status5xxRate?: number;
  /** Reject any request holding one of these MaHoSo (error_code 1, HTTP 200), storing nothing. */
  rejectMaHoSo?: string[];
  /** The next `count` API requests are answered 429 with Retry-After: retryAfterS. */
  status429?: { retryAfterS: number; count: number };
}

/** Checks and copies a Faults object; throws an Error naming the bad member. */
export function parseFaults(input: unknown): Faults {
  if (input === null || input === undefined) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new Error('faults must be an object');
  const f = input as Record<string, unknown>;
  const out: Faults = {};
  const num = (name: string, v: unknown, max = Infinity): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) throw new Error(`${name} must be a number between 0 and ${max}`);
    return v;
  };
  for (const k of Object.keys(f)) {
    if (!['latencyMs', 'outage', 'status5xxRate', 'rejectMaHoSo', 'status429'].includes(k)) throw new Error(`unknown fault: ${k}`);
  }
  // Bounded so that a typo cannot hold every answer for ever (timers stop at 2^31-1 ms anyway).
  if (f.latencyMs !== undefined && f.latencyMs !== null) out.latencyMs = num('latencyMs', f.latencyMs, 600_000);
  if (f.outage !== undefined && f.outage !== null) {
    if (typeof f.outage !== 'boolean') throw new Error('outage must be true or false');
    out.outage = f.outage;
  }
  if (f.status5xxRate !== undefined && f.status5xxRate !== null) out.status5xxRate = num('status5xxRate', f.status5xxRate, 1);
  if (f.rejectMaHoSo !== undefined && f.rejectMaHoSo !== null) {
    if (!Array.isArray(f.rejectMaHoSo) || f.rejectMaHoSo.some((m) => typeof m !== 'string')) throw new Error('rejectMaHoSo must be a list of strings');
    out.rejectMaHoSo = [...(f.rejectMaHoSo as string[])];
  }
  if (f.status429 !== undefined && f.status429 !== null) {
    const s = f.status429 as Record<string, unknown>;
    if (typeof s !== 'object') throw new Error('status429 must be {retryAfterS, count}');
    out.status429 = { retryAfterS: num('status429.retryAfterS', s.retryAfterS, 86_400), count: Math.floor(num('status429.count', s.count, 1_000_000)) };
  }
  return out;
}

/** What the fault layer decides for one API request before it is processed. */
export type Verdict = { kind: 'pass' } | { kind: 'drop' } | { kind: '503' } | { kind: '429'; retryAfterS: number };

/** Decides the fate of one API request; consumes one of the 429 answers. */
export function verdict(f: Faults, random: () => number = Math.random): Verdict {
  if (f.outage) return { kind: 'drop' };
  if (f.status429 && f.status429.count > 0) {
    f.status429.count -= 1;
    const retryAfterS = f.status429.retryAfterS;
    if (f.status429.count === 0) delete f.status429;
    return { kind: '429', retryAfterS };
  }
  if (f.status5xxRate && random() < f.status5xxRate) return { kind: '503' };
  return { kind: 'pass' };
}
