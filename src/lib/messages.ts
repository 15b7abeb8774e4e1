import { readFileSync } from 'fs';
import { join } from 'path';
import type { Problem } from './problem';

/**
 * Renders a Problem outside Node-RED (the sandbox, the CLI) from the same
 * locale catalogue the nodes use, so each message is written once per language.
 */
export type Lang = 'vi' | 'en-US';

const cache = new Map<string, Record<string, string>>();

/** One section of the shared catalogue (`errors`, `trial`…) in one language; empty when missing. */
export function catalogue(lang: Lang, section = 'errors'): Record<string, string> {
  const id = `${lang}/${section}`;
  let c = cache.get(id);
  if (!c) {
    try {
      const file = join(__dirname, '..', 'nodes', 'locales', lang, 'btxh-auth.json');
      c = ((JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>)['btxh-auth']?.[section] ?? {}) as Record<string, string>;
    } catch {
      c = {};
    }
    cache.set(id, c);
  }
  return c;
}

/** i18next-style `__name__` interpolation, as Node-RED's own RED._ does. */
export function interpolate(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/__([a-zA-Z0-9_]+)__/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

export function render(p: Problem, lang: Lang = 'vi'): string {
  const template = catalogue(lang)[p.code] ?? p.code;
  return interpolate(template, { field: p.field ?? '', label: p.field ?? '', ...p.params });
}

/**
 * The texts of one section in one language, as a function of a dotted key ("col.op") and its
 * `__name__` parameters: what the printable reports (trial, ministry) are written with.
 */
export function phrases(lang: Lang, section: string): (key: string, params?: Record<string, unknown>) => string {
  const c = catalogue(lang, section) as unknown as Record<string, unknown>;
  return (key, params) => {
    const v = key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), c);
    return interpolate(typeof v === 'string' ? v : key, params);
  };
}
