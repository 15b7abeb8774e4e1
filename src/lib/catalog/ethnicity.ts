import { seed } from './data';
import { bareNumber, squash } from './fold';

/** id "29" (the BTXH catalogue id), gso "1" (the GSO code), name "Kinh". */
export interface Ethnicity {
  id: string;
  gso: string;
  name: string;
}

const list: Ethnicity[] = seed.ethnicity.map(([id, gso, name]) => Object.freeze({ id, gso, name }));
const byId = new Map(list.map((e) => [e.id, e]));
const byGso = new Map(list.map((e) => [e.gso, e]));
const byName = new Map(list.map((e) => [squash(e.name), e]));

// Other common spellings of the same groups (squashed): GSO's own ("Mông",
// "Lự") and the romanised forms one-stop systems were seeded with.
const ALIASES: Record<string, string> = {
  mong: '36', hmong: '36', viet: '29', khmer: '33', bahnar: '41', jrai: '38', sedang: '42',
  caolan: '43', stieng: '50', bru: '51', vankieu: '51', katu: '54',
  kmu: '57', khmu: '57', lu: '70', odu: '81',
};
for (const [alias, id] of Object.entries(ALIASES)) if (!byName.has(alias)) byName.set(alias, byId.get(id)!);

export const ethnicity = {
  /**
   * A name (diacritics, case, spacing and hyphens ignored), or a bare number
   * read in `system`: ids 29–54 are also GSO codes, so the caller says which
   * (D5, a connection setting) and it is never guessed. GSO codes may carry
   * leading zeros ("01", D18).
   */
  find(input: unknown, system: 'id' | 'gso' = 'id'): Ethnicity | undefined {
    const n = bareNumber(input);
    if (n !== undefined) return (system === 'gso' ? byGso : byId).get(n);
    if (typeof input !== 'string') return undefined;
    return byName.get(squash(input));
  },
  all(): Ethnicity[] {
    return list.slice();
  },
};
