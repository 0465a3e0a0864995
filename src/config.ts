/**
 * Environment → frozen Config, validated once at start (README
 * "Configuration"). Every variable has a default so a fresh clone
 * starts with none set; a bad value stops the process with a message that
 * names the variable.
 */
import { parseCosignerKey } from './crypto/cosignature.ts';
import { isValidSignerName } from './crypto/note.ts';

/** A witness the log asks to cosign its checkpoints (C2SP tlog-witness). */
export interface WitnessEndpoint {
  /** The witness's cosigner verifier key (vkey of signature type 0x04). */
  readonly vkey: string;
  /** Base URL; requests go to `<url>/add-checkpoint`. */
  readonly url: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absent: embedded PostgreSQL (PGlite) in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly origin: string;
  readonly operatorToken: string | undefined;
  /** Reading interval length in seconds: 3600 (PT1H) or 900 (PT15M). */
  readonly intervalSeconds: number;
  readonly checkpointIntervalMs: number;
  /** A database connection attempt fails after this long (PostgreSQL only). */
  readonly dbConnectTimeoutMs: number;
  /** A database statement fails after this long (PostgreSQL only). */
  readonly dbStatementTimeoutMs: number;
  /** Delay after an interval ends before it is matched; undefined = `off`. */
  readonly gateClosureMs: number | undefined;
  readonly logKey: string | undefined;
  readonly operatorKey: string | undefined;
  /** The key a rotation replaces the operator key with (README "Rotating the operator key"); else $DATA_DIR/operator.next.key. */
  readonly nextOperatorKey: string | undefined;
  /** Largest request body accepted, bytes (a batch of 1000 readings fits). */
  readonly bodyLimit: number;
  readonly logLevel: LogLevel;
  readonly witnesses: readonly WitnessEndpoint[];
  /** How many witnesses must cosign a checkpoint for bundles to carry it (default: all). */
  readonly witnessQuorum: number;
  /** Requests a minute per token or address, and per address to POST /v1/verify without a token. */
  readonly rateLimits: { readonly perMinute: number; readonly anonymousVerifyPerMinute: number };
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** A batch of 1000 readings of about 600 bytes each fits with room to spare. */
export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function logLevel(env: Env): LogLevel {
  const text = env.LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(text))
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(text)}`);
  return text as LogLevel;
}

/** ISO 8601 durations with day and time parts only (no years or months: their length varies). */
const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, days, hours, minutes, seconds] = match;
  const ms = Number(days ?? 0) * 86_400_000 + Number(hours ?? 0) * 3_600_000 + Number(minutes ?? 0) * 60_000 + Number(seconds ?? 0) * 1000;
  return Math.round(ms);
}

function duration(env: Env, name: string, fallback: string): number {
  const text = env[name] ?? fallback;
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0) throw new ConfigError(name, `expected an ISO 8601 duration such as PT5S, got ${JSON.stringify(text)}`);
  return ms;
}

/** A positive count of requests a minute (GRIDPROOF_RATE_LIMIT, GRIDPROOF_VERIFY_RATE_LIMIT). */
function perMinute(env: Env, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 1_000_000_000)
    throw new ConfigError(name, `expected requests a minute, a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return value;
}

function port(env: Env): number {
  const text = env.PORT ?? '8080';
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535) throw new ConfigError('PORT', `expected a TCP port 0-65535, got ${JSON.stringify(text)}`);
  return value;
}

function intervalSeconds(env: Env): number {
  const text = env.GRIDPROOF_INTERVAL ?? 'PT1H';
  if (text !== 'PT1H' && text !== 'PT15M') throw new ConfigError('GRIDPROOF_INTERVAL', `expected PT1H or PT15M, got ${JSON.stringify(text)}`);
  return text === 'PT1H' ? 3600 : 900;
}

function origin(env: Env): string {
  const text = env.GRIDPROOF_ORIGIN ?? 'localhost/gridproof';
  // The origin is also the log key's signer name (docs/design.md §2).
  if (!isValidSignerName(text)) throw new ConfigError('GRIDPROOF_ORIGIN', 'must be a valid note name: no spaces, no "+"');
  return text;
}

function operatorToken(env: Env): string | undefined {
  const text = env.GRIDPROOF_OPERATOR_TOKEN;
  if (text === undefined || text === '') return undefined;
  if (text.length < 16) throw new ConfigError('GRIDPROOF_OPERATOR_TOKEN', 'must be at least 16 characters');
  // A bearer token travels in an HTTP header (RFC 6750 §2.1): anything else
  // could never be sent back, so the operator could never log in.
  if (!/^[\x21-\x7e]+$/.test(text)) throw new ConfigError('GRIDPROOF_OPERATOR_TOKEN', 'must be printable ASCII without spaces');
  return text;
}

function databaseUrl(env: Env): string | undefined {
  const text = env.DATABASE_URL;
  if (text === undefined || text === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(text)) throw new ConfigError('DATABASE_URL', 'expected a postgres:// URL');
  return text;
}

/** GRIDPROOF_WITNESSES: `<vkey> <base URL>` entries separated by `;`. */
function witnesses(env: Env): WitnessEndpoint[] {
  const list: WitnessEndpoint[] = [];
  for (const item of (env.GRIDPROOF_WITNESSES ?? '').split(';')) {
    if (item.trim() === '') continue;
    const [vkey, url, ...rest] = item.trim().split(/\s+/);
    if (vkey === undefined || url === undefined || rest.length > 0) throw new ConfigError('GRIDPROOF_WITNESSES', 'each entry is "<witness vkey> <base URL>"');
    try {
      parseCosignerKey(vkey);
    } catch {
      throw new ConfigError('GRIDPROOF_WITNESSES', `${vkey} is not a cosigner verifier key (gridproof keygen --witness makes one)`);
    }
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError('GRIDPROOF_WITNESSES', `${url} is not an http(s) URL`);
    if (list.some((w) => w.vkey === vkey)) throw new ConfigError('GRIDPROOF_WITNESSES', `${vkey} is listed twice`);
    list.push({ vkey, url: url.replace(/\/+$/, '') });
  }
  return list;
}

function witnessQuorum(env: Env, count: number): number {
  const text = env.GRIDPROOF_WITNESS_QUORUM;
  if (text === undefined || text === '') return count;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > count)
    throw new ConfigError('GRIDPROOF_WITNESS_QUORUM', `expected 1 to ${count} (the number of witnesses), got ${JSON.stringify(text)}`);
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const gate = env.GRIDPROOF_GATE_CLOSURE ?? 'PT1H';
  const witnessList = witnesses(env);
  return Object.freeze({
    port: port(env),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: databaseUrl(env),
    dataDir: env.DATA_DIR ?? './data',
    origin: origin(env),
    operatorToken: operatorToken(env),
    intervalSeconds: intervalSeconds(env),
    checkpointIntervalMs: duration(env, 'GRIDPROOF_CHECKPOINT_INTERVAL', 'PT5S'),
    dbConnectTimeoutMs: duration(env, 'GRIDPROOF_DB_CONNECT_TIMEOUT', 'PT5S'),
    dbStatementTimeoutMs: duration(env, 'GRIDPROOF_DB_STATEMENT_TIMEOUT', 'PT60S'),
    gateClosureMs: gate === 'off' ? undefined : duration(env, 'GRIDPROOF_GATE_CLOSURE', gate),
    logKey: env.GRIDPROOF_LOG_KEY || undefined,
    operatorKey: env.GRIDPROOF_OPERATOR_KEY || undefined,
    nextOperatorKey: env.GRIDPROOF_NEXT_OPERATOR_KEY || undefined,
    bodyLimit: DEFAULT_BODY_LIMIT,
    logLevel: logLevel(env),
    witnesses: Object.freeze(witnessList),
    witnessQuorum: witnessQuorum(env, witnessList.length),
    // A meter park posting single readings through one token stays well under
    // 6000 a minute; a bundle verification costs up to seconds of CPU.
    rateLimits: Object.freeze({
      perMinute: perMinute(env, 'GRIDPROOF_RATE_LIMIT', 6000),
      anonymousVerifyPerMinute: perMinute(env, 'GRIDPROOF_VERIFY_RATE_LIMIT', 20),
    }),
  });
}
