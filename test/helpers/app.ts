/**
 * A whole service over a fresh database, for app.inject: real PostgreSQL or
 * PGlite, real keys, real signatures. Nothing is mocked.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import type { RateLimits } from '../../src/routes/rate-limits.ts';
import { generateSigner, verifierOf, type Signer } from '../../src/crypto/note.ts';
import type { Backend } from '../../src/db/connect.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { ReadingPayload } from '../../src/domain/payloads.ts';
import { ReadingIntake } from '../../src/ledger/intake.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { openLedger } from '../../src/ledger/open.ts';
import type { OperatorKeyStore } from '../../src/ledger/operator-key.ts';
import { operatorKeyName } from '../../src/key-files.ts';
import { openTestStore, type TestStore } from './database.ts';
import { checkEveryReply } from './response-check.ts';

export const ORIGIN = 'test.example/gridproof';
export const OPERATOR_TOKEN = 'operator-token-for-tests-only';

export interface TestApp {
  app: FastifyInstance;
  ledger: Ledger;
  intake: ReadingIntake;
  testStore: TestStore;
  logSigner: Signer;
  operatorSigner: Signer;
  close(): Promise<void>;
}

export interface TestAppOptions {
  now?: () => number;
  intervalSeconds?: number;
  /** Reuse a database (restart tests) instead of a fresh one. */
  testStore?: TestStore;
  logSigner?: Signer;
  operatorSigner?: Signer;
  /** Where a rotation finds the next operator key (default: none, keys in memory). */
  operatorKeyStore?: OperatorKeyStore;
  witnesses?: { vkey: string; url: string }[];
  witnessQuorum?: number;
  rateLimits?: RateLimits;
}

export async function startTestApp(backend: Backend, options: TestAppOptions = {}): Promise<TestApp> {
  const testStore = options.testStore ?? (await openTestStore(backend));
  const logSigner = options.logSigner ?? generateSigner(ORIGIN);
  const operatorSigner = options.operatorSigner ?? generateSigner(operatorKeyName(ORIGIN));
  const { ledger } = await openLedger({
    db: testStore.store.db,
    origin: ORIGIN,
    intervalSeconds: options.intervalSeconds ?? 3600,
    logSigner,
    operatorSigner,
    operatorToken: OPERATOR_TOKEN,
    ...(options.operatorKeyStore ? { operatorKeyStore: options.operatorKeyStore } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.witnesses ? { witnesses: options.witnesses } : {}),
    ...(options.witnessQuorum ? { witnessQuorum: options.witnessQuorum } : {}),
  });
  const intake = new ReadingIntake(ledger);
  const app = await buildApp({ ledger, intake, ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}) });
  await checkEveryReply(app);
  return {
    app,
    ledger,
    intake,
    testStore,
    logSigner,
    operatorSigner,
    async close() {
      await app.close();
      await intake.idle();
      if (!options.testStore) await testStore.cleanup();
    },
  };
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** A device key pair as a meter would hold it. */
export function meterKey(name: string): { signer: Signer; vkey: string } {
  const signer = generateSigner(name);
  return { signer, vkey: verifierOf(signer).vkey };
}

/** A test app listening on 127.0.0.1 (a free port), for clients that speak real HTTP (the monitor); closed when `t` ends. */
export async function startListeningTestApp(t: { teardown(fn: () => unknown): void }, backend: Backend): Promise<TestApp & { url: string }> {
  const env = await startTestApp(backend);
  t.teardown(env.close);
  await env.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...env, url: `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}` };
}

export function signReading(signer: Signer, payload: Omit<ReadingPayload, 'kind' | 'log' | 'quality'> & Partial<ReadingPayload>): string {
  return sealEntry({ kind: 'reading', log: ORIGIN, quality: 'measured', ...payload } as ReadingPayload, signer);
}

/** One reading's interval and figures, as signChain takes them. */
export interface MeteredInterval {
  start: string;
  end: string;
  importWh: string;
  exportWh: string;
}

/** A device's readings signed in chain order: seq from 0, each one's prev the leaf hash of the one before. */
export function signChain(signer: Signer, device: string, intervals: readonly MeteredInterval[]): string[] {
  let prev: string | undefined;
  return intervals.map((interval, seq) => {
    const note = signReading(signer, { device, seq, ...(prev ? { prev } : {}), ...interval });
    prev = toBase64(hashLeaf(utf8(note)));
    return note;
  });
}

/** Registers the bidding zone the test parks use (DE-LU, 380 g CO2/kWh, valid since 2018). */
export async function addZone(app: FastifyInstance): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/zones',
    headers: auth(OPERATOR_TOKEN),
    payload: { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2018-01-01T00:00:00Z' },
  });
  if (response.statusCode !== 201) throw new Error(`zone: ${response.body}`);
}

/** Registers a participant and returns its id and token. */
export async function addParticipant(app: FastifyInstance, role: 'generator' | 'tenant' | 'certifier', id: string): Promise<{ id: string; token: string }> {
  const response = await app.inject({ method: 'POST', url: '/v1/participants', headers: auth(OPERATOR_TOKEN), payload: { id, role, name: `${id} GmbH` } });
  if (response.statusCode !== 201) throw new Error(`participant: ${response.body}`);
  return response.json();
}

export interface DeviceSpec {
  id: string;
  owner: string;
  type: 'wind' | 'solar' | 'storage' | 'consumption';
  capacityW?: number;
  biddingZone?: string;
  commissioningDate?: string;
  energyCapacityWh?: string;
  efficiencyBp?: number;
  keyValidFrom?: string;
}

const EECS: Record<string, { eecsEnergySource: string; eecsTechnology: string } | undefined> = {
  wind: { eecsEnergySource: 'F01050100', eecsTechnology: 'T020001' },
  solar: { eecsEnergySource: 'F01010100', eecsTechnology: 'T010000' },
  storage: { eecsEnergySource: 'F01050100', eecsTechnology: 'T070000' },
};

/** Registers a device with a fresh meter key; returns the key. */
export async function addDevice(app: FastifyInstance, spec: DeviceSpec): Promise<{ signer: Signer; vkey: string }> {
  const key = meterKey(`meter/${spec.id}`);
  const payload = {
    country: 'DE',
    biddingZone: 'DE-LU',
    capacityW: 10_000_000,
    commissioningDate: '2018-01-01',
    ...EECS[spec.type],
    ...(spec.type === 'storage' ? { energyCapacityWh: '20000000', efficiencyBp: 9000 } : {}),
    ...spec,
    verifierKey: key.vkey,
  };
  const response = await app.inject({ method: 'POST', url: '/v1/devices', headers: auth(OPERATOR_TOKEN), payload });
  if (response.statusCode !== 201) throw new Error(`device: ${response.body}`);
  return key;
}

export async function postEntries(app: FastifyInstance, token: string, entries: string[]) {
  return app.inject({ method: 'POST', url: '/v1/entries', headers: auth(token), payload: { entries } });
}
