import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * The generated catalogue (scripts/build-catalog.js -> data/catalog/*.json),
 * read once at require time. Compiled to lib/catalog/, so the data sits two
 * folders up in the package.
 */
const dir = join(__dirname, '..', '..', 'data', 'catalog');

function load<T>(name: string): T {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
}

export interface SeedData {
  ethnicity: [id: string, gso: string, name: string][];
  gender: [id: string, name: string][];
  issuingPlaces: [id: string, name: string][];
  procedures: [code: string, seedCode: string, level: string, name: string][];
}
export interface PreData {
  provinces: [code: string, name: string][];
  districts: [code: string, name: string, province: string][];
  communes: [code: string, name: string, district: string][];
}
export interface NewData {
  provinces: [code: string, name: string][];
  communes: [code: string, name: string, province: string][];
}
export interface MappingData {
  provinces: Record<string, string>;
  communes: Record<string, string | string[]>;
  oldDistrict: Record<string, string>;
  /** Old communes with no 2025 commune, and why (no source names one). */
  noSuccessor: Record<string, string>;
}

export const seed = load<SeedData>('seed.json');
export const pre = load<PreData>('units-pre-2025.json');
export const post = load<NewData>('units-2025.json');
export const mapping = load<MappingData>('mapping.json');

/** One name people write, and where it comes from (data/catalog/aliases.json, kept by hand). */
export interface Alias {
  to: string;
  source: string;
}
export interface AliasData {
  province: Record<string, Alias>;
  spelling: Record<string, Alias>;
  ethnicity: Record<string, Alias>;
}
export const aliases = load<AliasData>('aliases.json');
