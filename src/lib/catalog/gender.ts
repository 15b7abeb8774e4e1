import { seed } from './data';
import { fold } from './fold';

export interface Gender {
  id: string;
  name: string;
}

const list: Gender[] = seed.gender.map(([id, name]) => Object.freeze({ id, name }));
const male = list.find((g) => g.id === '1034')!;
const female = list.find((g) => g.id === '1035')!;

// D4: the codings one-stop systems use; "1"/"2" is the citizen-account coding.
const BY_INPUT = new Map<string, Gender>([
  ['1034', male], ['nam', male], ['1', male], ['m', male], ['male', male],
  ['1035', female], ['nu', female], ['2', female], ['f', female], ['female', female],
]);

export const gender = {
  /** D4 inputs; anything else (the seed's own "NA" included) is undefined. */
  find(input: unknown): Gender | undefined {
    if (typeof input === 'number') return Number.isInteger(input) ? BY_INPUT.get(String(input)) : undefined;
    if (typeof input !== 'string') return undefined;
    return BY_INPUT.get(fold(input));
  },
  all(): Gender[] {
    return list.slice();
  },
};
