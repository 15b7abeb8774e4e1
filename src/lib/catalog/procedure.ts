import { seed } from './data';
import { fold } from './fold';

/** code = the national TTHC form ("2.000286"), seedCode = as the seed writes it ("2.0000286"). */
export interface Procedure {
  code: string;
  seedCode: string;
  name: string;
  level: string;
}

const list: Procedure[] = seed.procedures.map(([code, seedCode, level, name]) => Object.freeze({ code, seedCode, name, level }));
const byCode = new Map<string, Procedure>();
for (const p of list) {
  byCode.set(p.code, p);
  byCode.set(p.seedCode, p); // D6: both spellings find it
}
// fold() drops the tone, so the seed's typo "thõi hưởng" finds the fixed name too.
const byName = new Map(list.map((p) => [fold(p.name), p]));

export const procedure = {
  /** A code in either spelling (D6) or the exact name (diacritics-insensitive). */
  find(input: unknown): Procedure | undefined {
    if (typeof input === 'number') return byCode.get(String(input));
    if (typeof input !== 'string') return undefined;
    return byCode.get(input.trim()) ?? byName.get(fold(input));
  },
  all(): Procedure[] {
    return list.slice();
  },
};
