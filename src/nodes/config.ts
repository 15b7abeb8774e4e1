import type { ConnectionConfig } from '../lib/client';
import { EMIT_NAMES, profileNamed, profiles, type Profile } from '../lib/fields';
import { PULL_PATH } from '../lib/client/connection';
import { defaultSettings, type Settings } from '../lib/settings';
import { checkSetting, codeTokens, type SettingKind } from '../lib/setting-text';
import type { FieldSpec } from '../lib/fields/types';
import type { Problem } from '../lib/problem';
import { T } from './i18n';
import { json, num } from './props';
import type { Red } from './red';

/**
 * Turns the btxh-auth node's properties and credentials into the domain's
 * connection config and settings. Used by the node and by the "Test
 * connection" endpoint, which gets the same values from the open dialog.
 */

/** Node-RED sends this instead of a password the user did not change. */
export const UNCHANGED = '__PWRD__';

export interface AuthProps {
  baseUrl?: string;
  mode?: 'token' | 'key' | 'gateway';
  pathToken?: string;
  pathDossier?: string;
  pathProgress?: string;
  pathDecision?: string;
  /** D22: where btxh-pull asks for the dossiers registered on BTXH. */
  pathPull?: string;
  /** D20: "annex" (default) or "deployed". */
  profile?: string;
  /** D20: JSON {"TableName": "NameOnTheWire"}; blank: the profile's own. */
  emitNames?: string;
  timeout?: number | string;
  tokenLifetime?: number | string;
  bodyShape?: 'array' | 'object';
  tls?: string;
  proxy?: string;
  gatewayTokenUrl?: string;
  /** D21: how the client authenticates to the token URL: HTTP Basic (default) or in the form body. */
  gatewayClientAuth?: 'basic' | 'body';
  /**
   * D21: the LGSP access token as typed (`token`, default) or as a JSON object of credentials
   * ({"AccessKey", "SecretKey", "AppName", "PartnerCode", …}) that the package sends as its
   * Base64 (`base64json`), as some provincial gateways want it.
   */
  gatewayAccessForm?: 'token' | 'base64json';
  gatewayHeaders?: string;
  ethnicityCode?: 'id' | 'gso';
  codeSet?: 'pre-2025' | '2025';
  district2025?: 'old' | 'province' | 'empty';
  strict?: boolean;
  /** Numbers in date fields are spreadsheet serials (default off). */
  excelDates?: boolean;
  statusMap?: string;
  procedureMap?: string;
  /** error_code values that mean "busy / maintenance", comma-separated (default "-1"). */
  busyCodes?: string;
  /** D19: error_code values that mean success, comma-separated (default "0"). */
  successCodes?: string;
  /** D19: "already exists" answers, counted as delivered: error_code values and a message pattern (default none). */
  existsCodes?: string;
  existsPattern?: string;
  /** Longest wait between probes of a connection that is down, in minutes (default 5). */
  probeMax?: number | string;
}

export interface AuthCredentials {
  username?: string;
  password?: string;
  key?: string;
  gatewayClientId?: string;
  gatewayClientSecret?: string;
  gatewayAccessToken?: string;
  /** JSON object of the gateway's secret headers (an API key, a signature…): credentials, never the flow. */
  gatewaySecretHeaders?: string;
  pgConnection?: string;
}

/** The secrets "Test connection" may reuse from the deployed node (pgConnection is not the connection's). */
export const CONNECTION_SECRETS = ['username', 'password', 'key', 'gatewayClientId', 'gatewayClientSecret', 'gatewayAccessToken', 'gatewaySecretHeaders'] as const;

/**
 * Header names that carry a secret: they belong in the credentials (`gatewaySecretHeaders`), never in the flow file.
 * The editor (nodes/btxh-auth.html, moveSecretHeaders) repeats this pattern, as it cannot import it: a test keeps them equal.
 */
export const SECRET_HEADER = /authori[sz]ation|token|secret|passw|key|cookie|signature|credential/i;

/** Plain gateway headers whose names say they hold a secret: exported with the flow, so the node warns. */
export function exposedHeaders(p: AuthProps): string[] {
  if (p.mode !== 'gateway') return [];
  return Object.keys(json<Record<string, string>>(p.gatewayHeaders, {})).filter((h) => SECRET_HEADER.test(h));
}

/**
 * Where a connection's secrets go: the addresses, the mode, and the TLS and
 * proxy nodes. "Test connection" uses a saved secret only when this is what
 * was deployed with it, so a caller cannot send it to an address of its own.
 */
export function destination(p: AuthProps): string {
  // The editor's config-node pickers say "_ADD_" for none.
  const t = (v: unknown) => (typeof v === 'string' ? (v.trim() === '_ADD_' ? '' : v.trim()) : v ?? '');
  return JSON.stringify([p.baseUrl, p.mode ?? 'token', p.pathToken, p.pathDossier, p.pathProgress, p.pathDecision, p.pathPull || PULL_PATH, p.gatewayTokenUrl, p.tls, p.proxy].map(t));
}

export function connectionConfig(RED: Red, p: AuthProps, c: AuthCredentials): ConnectionConfig {
  const cfg: ConnectionConfig = {
    baseUrl: (p.baseUrl ?? '').trim(),
    mode: p.mode ?? 'token',
    paths: {
      GetToken: p.pathToken || undefined,
      DongBoDVC: p.pathDossier || undefined,
      XuLyHoSo: p.pathProgress || undefined,
      FileQuyetDinh: p.pathDecision || undefined,
      Pull: p.pathPull || undefined,
    },
    username: c.username,
    password: c.password,
    key: c.key,
    emitNames: emitNamesOf(p),
    timeoutMs: num(p.timeout, 30) * 1000,
    tokenLifetimeMs: num(p.tokenLifetime, 30) * 60_000,
    bodyShape: p.bodyShape ?? 'array',
    userAgent: 'node-red-btxh',
    busyCodes: codeList(p.busyCodes),
    successCodes: codeList(p.successCodes),
    existsCodes: codeList(p.existsCodes),
    existsPattern: typeof p.existsPattern === 'string' ? p.existsPattern : undefined,
  };
  if (cfg.mode === 'gateway') {
    // Secret headers (the LGSP access token, an API key…) live in the credentials, not in the header list.
    const headers = { ...json<Record<string, string>>(p.gatewayHeaders, {}), ...json<Record<string, string>>(c.gatewaySecretHeaders, {}) };
    if (c.gatewayAccessToken) headers.lgspaccesstoken = accessToken(c.gatewayAccessToken, p.gatewayAccessForm);
    cfg.gateway = {
      tokenUrl: p.gatewayTokenUrl || undefined,
      clientId: c.gatewayClientId,
      clientSecret: c.gatewayClientSecret,
      clientAuth: p.gatewayClientAuth === 'body' ? 'body' : 'basic',
      headers,
    };
  }
  // Reuse Node-RED's own tls-config and http proxy nodes (STYLE.md).
  const tls = p.tls ? RED.nodes.getNode(p.tls) : null;
  if (tls && typeof tls.addTLSOptions === 'function') cfg.tls = tls.addTLSOptions({});
  const proxy = p.proxy ? RED.nodes.getNode(p.proxy) : null;
  if (proxy && proxy.url) {
    cfg.proxy = {
      url: proxy.url,
      noProxy: Array.isArray(proxy.noproxy) ? proxy.noproxy : [],
      username: proxy.credentials?.username,
      password: proxy.credentials?.password,
    };
  }
  return cfg;
}

export function settingsOf(p: AuthProps): Settings {
  return {
    ...defaultSettings,
    ethnicityCode: p.ethnicityCode ?? defaultSettings.ethnicityCode,
    codeSet: p.codeSet ?? defaultSettings.codeSet,
    district2025: p.district2025 ?? defaultSettings.district2025,
    strict: p.strict === true,
    excelDates: p.excelDates === true,
    statusMap: json<Record<string, number>>(p.statusMap, {}),
    procedureMap: json<Record<string, string>>(p.procedureMap, {}),
    profile: profileOf(p),
  };
}

/** D20: the connection's profile; anything but "deployed" is the annex's. */
export function profileOf(p: AuthProps): Profile {
  return profileNamed(p.profile) ?? 'annex';
}

/** Every field of the connection's tables (what an emitNames key may name). */
export function profileFields(profile: Profile): Pick<FieldSpec, 'name' | 'type'>[] {
  return Object.values(profiles[profile]).flatMap((o) => o.fields.map((f) => ({ name: f.name, type: f.type })));
}

/**
 * D20: the names the connection emits: its own setting, or its profile's (SubmitedDate for "deployed");
 * undefined when it renames nothing (the client then makes no pass over the records).
 */
export function emitNamesOf(p: AuthProps): Record<string, string> | undefined {
  const own = typeof p.emitNames === 'string' && p.emitNames.trim() ? json<Record<string, string>>(p.emitNames, {}) : EMIT_NAMES[profileOf(p)];
  const renamed = Object.entries(own).filter(([k, v]) => k !== v);
  return renamed.length ? Object.fromEntries(renamed) : undefined;
}

/** A sync node's settings: its connection's, with the node's own date formats on top (D3). */
export function syncSettings(base: Settings, dateFormats: unknown): Settings {
  return { ...base, dateFormats: { ...base.dateFormats, ...json<Record<string, string>>(dateFormats, {}) } };
}

/** "-1, 503" -> ['-1', '503']; absent -> the default list (undefined); "" -> none. */
export function codeList(text: unknown): string[] | undefined {
  if (text === undefined || text === null) return undefined;
  return codeTokens(text);
}

/** A JSON setting's problem with the name the dialog shows for it (`setting`), or undefined. */
export function settingProblem(RED: Red, kind: SettingKind, name: string, label: string, text: unknown, dates?: Pick<FieldSpec, 'name' | 'type'>[], op?: { api: string; id: string }): Problem | undefined {
  const p = checkSetting(kind, name, text, dates, op);
  return p && { ...p, params: { ...p.params, setting: T(RED, label) } };
}

/** The first problem of a connection's JSON settings: a typo there is never ignored (it would send records unmapped). */
export function connectionSettingsProblem(RED: Red, p: AuthProps, c: AuthCredentials): Problem | undefined {
  return (
    settingProblem(RED, 'statusMap', 'statusMap', 'label.statusMap', p.statusMap) ??
    settingProblem(RED, 'procedureMap', 'procedureMap', 'label.procedureMap', p.procedureMap) ??
    settingProblem(RED, 'codes', 'busyCodes', 'label.busyCodes', p.busyCodes) ??
    settingProblem(RED, 'codes', 'successCodes', 'label.successCodes', p.successCodes) ??
    settingProblem(RED, 'codes', 'existsCodes', 'label.existsCodes', p.existsCodes) ??
    settingProblem(RED, 'pattern', 'existsPattern', 'label.existsPattern', p.existsPattern) ??
    settingProblem(RED, 'emitNames', 'emitNames', 'label.emitNames', p.emitNames, profileFields(profileOf(p))) ??
    (p.mode === 'gateway' ? settingProblem(RED, 'headers', 'gatewayHeaders', 'label.gatewayHeaders', p.gatewayHeaders) : undefined) ??
    (p.mode === 'gateway' ? settingProblem(RED, 'headers', 'gatewaySecretHeaders', 'label.gatewaySecretHeaders', c.gatewaySecretHeaders) : undefined) ??
    (p.mode === 'gateway' && p.gatewayAccessForm === 'base64json' ? settingProblem(RED, 'headers', 'gatewayAccessToken', 'label.gatewayAccessToken', c.gatewayAccessToken) : undefined)
  );
}

/**
 * D21: the lgspaccesstoken header's value: the credential as typed, or — `base64json` — the
 * Base64 of the JSON object of credentials it holds, compact and in the order typed.
 */
export function accessToken(text: string, form: AuthProps['gatewayAccessForm']): string {
  if (form !== 'base64json') return text;
  return Buffer.from(JSON.stringify(JSON.parse(text)), 'utf8').toString('base64');
}
