import { aliases, seed } from './data';
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

// Other names of the same groups (squashed), with their sources: data/catalog/aliases.json.
for (const [alias, a] of Object.entries(aliases.ethnicity)) if (!byName.has(alias)) byName.set(alias, byId.get(a.to)!);

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
