/**
 * Fills a running service with the demo park through its public API, as the
 * park's operator, generators and tenants would: registry entries, signed
 * readings in batches, a matching run, one claim per tenant. Every step
 * first looks at what the service (or the state file) already has, so a
 * second run changes nothing and an interrupted one resumes.
 */
import { formatPrivateKey, generateSigner, parsePrivateKey, verifierOf } from '../../crypto/note.ts';
import { parseEntry } from '../../domain/entry.ts';
import type { ContractPayload } from '../../domain/payloads.ts';
import { GridproofError } from '../../errors.ts';
import { HttpClient, ServerConflict, ServerRefusal } from '../http-client.ts';
import { buildPark, isoHour, parseHours, ZONE, ZONE_G_CO2_PER_KWH, deviceBody, HOUR_MS, type Park } from './park.ts';
import { postReadings } from './readings.ts';
import { loadState, saveState, UnusableStateFile, type DemoState } from './state.ts';

export interface FillOptions {
  server: string;
  operatorToken: string;
  days: number;
  stateFile: string;
  csv: string;
  /** Progress lines and the bar go here (stderr). */
  progress: NodeJS.WritableStream;
}

export interface FillResult {
  park: Park;
  state: DemoState;
  /** Things this run created: 0 when the service already had the whole park. */
  created: { registry: number; readings: number; matchedIntervals: number; claims: number };
  /** Readings this run posted that the service accepted but logged as late (their hour was matched already), never to be matched. */
  late: number;
  /** The hours of the late readings (ms, end exclusive). */
  lateSpan?: { fromMs: number; toMs: number };
  claims: Array<{ tenant: string; id: string; wh: string }>;
}

/** Claims cover the last 30 days of the demo (or all of it, when shorter), so a bundle stays a few MB. */
const CLAIM_DAYS = 30;
const PURPOSES: Record<string, string> = { datacentre: 'scope2', factory: 'cbam', hydrogen: 'rfnbo' };

export async function fillService(options: FillOptions): Promise<FillResult> {
  const park = buildPark(parseHours(options.csv), options.days);
  const operator = new HttpClient(options.server, options.operatorToken);
  const logKey = (await operator.text('/v1/log/key')).trim();
  const origin = logKey.slice(0, logKey.indexOf('+'));
  const state: DemoState = loadState(options.stateFile) ?? { logKey, tokens: {}, devices: {} };
  if (state.logKey !== logKey) {
    throw new UnusableStateFile(`${options.stateFile} belongs to the log ${state.logKey}, not ${logKey}; pass another --state file`);
  }
  await refuseTakenIds(operator, park, state, options.stateFile);
  const save = () => saveState(options.stateFile, state);
  const created = { registry: 0, readings: 0, matchedIntervals: 0, claims: 0 };
  const say = (line: string) => options.progress.write(`${line}\n`);

  if (state.zoneIndex === undefined) {
    const zone = await operator.json<{ index: number }>('/v1/zones', { zone: ZONE, gCO2PerKWh: ZONE_G_CO2_PER_KWH, validFrom: '2018-01-01T00:00:00Z' });
    state.zoneIndex = zone.index;
    created.registry++;
    save();
  }
  for (const participant of park.participants) {
    if (state.tokens[participant.id]) continue;
    const answer = await operator.json<{ token: string }>('/v1/participants', participant).catch((error: unknown) => {
      // Taken by a participant refuseTakenIds cannot see (a role with no page to ask), or since it looked.
      if (error instanceof ServerRefusal && error.refusal.code === 'conflict') {
        throw new ServerRefusal('/v1/participants', {
          ...error.refusal,
          detail: `${error.refusal.detail}; ${options.stateFile} holds no token for it: ${whatToPass(false)}`,
        });
      }
      throw error;
    });
    state.tokens[participant.id] = answer.token;
    created.registry++;
    save();
  }
  for (const device of park.devices) {
    // The key is saved before the device is registered, so a run stopped in between can still sign for it.
    const entry = (state.devices[device.id] ??= { privateKey: formatPrivateKey(generateSigner(`meter/${device.id}`)), registered: false });
    save();
    if (entry.registered) continue;
    const verifierKey = verifierOf(parsePrivateKey(entry.privateKey)).vkey;
    await operator.json('/v1/devices', { ...deviceBody(device), verifierKey }).catch((error: unknown) => {
      // Registered by a run that stopped before saving: its readings prove (or refuse) that the key is ours.
      if (!(error instanceof GridproofError && error.code === 'conflict')) throw error;
    });
    entry.registered = true;
    created.registry++;
    save();
  }
  if (!state.contract) {
    const { id, device, tenant, priority, shareBp } = park.contract;
    const contract: ContractTerms = { id, device, tenant, priority, shareBp, validFrom: isoHour(park.fromMs) };
    const made = await operator.json('/v1/contracts', contract).then(
      () => true,
      (error: unknown) => {
        if (!(error instanceof GridproofError && error.code === 'conflict')) throw error;
        return false;
      },
    );
    // Taken: by a run stopped before it saved this (the same contract), or by someone else (refused before any reading).
    if (!made) await refuseOtherContract(operator, origin, contract, created.registry, options.stateFile);
    state.contract = true;
    if (made) created.registry++;
    save();
  }

  const posted = await postReadings({ server: options.server, operator, origin, park, state, progress: options.progress });
  created.readings = posted.accepted;

  const untilMs = park.fromMs + park.hours * HOUR_MS;
  say('matching…');
  const matched = await operator.json<{ intervals: number }>('/v1/matching/runs', { until: isoHour(untilMs) });
  created.matchedIntervals = matched.intervals;

  const claims: FillResult['claims'] = [];
  const claimFrom = Math.max(park.fromMs, untilMs - CLAIM_DAYS * 24 * HOUR_MS);
  for (const participant of park.participants.filter((p) => p.role === 'tenant')) {
    const tenant = new HttpClient(options.server, state.tokens[participant.id]);
    const existing = await tenant.json<{ claims: Array<{ id: string; wh: string }> }>(`/v1/tenants/${participant.id}/claims`);
    if (existing.claims.length > 0) {
      claims.push({ tenant: participant.id, id: existing.claims[0]!.id, wh: existing.claims[0]!.wh });
      continue;
    }
    const claim = await tenant
      .json<{ id: string; wh: string }>('/v1/claims', {
        period: { start: isoHour(claimFrom), end: isoHour(untilMs) },
        purpose: PURPOSES[participant.id] ?? 'disclosure',
        beneficiary: `${participant.name}, demo claim`,
      })
      .catch((error: unknown) => {
        if (error instanceof GridproofError && error.code === 'nothing-to-claim') return undefined;
        throw error;
      });
    if (claim) {
      claims.push({ tenant: participant.id, id: claim.id, wh: claim.wh });
      created.claims++;
    } else say(`${participant.id}: nothing matched to claim in the last ${CLAIM_DAYS} days`);
  }
  return { park, state, created, late: posted.late, ...(posted.lateSpan ? { lateSpan: posted.lateSpan } : {}), claims };
}

/** The terms of a contract, as its entry holds them (ContractPayload without kind and log). */
type ContractTerms = Omit<ContractPayload, 'kind' | 'log'>;

/** The terms a contract entry holds, in the order they are named. */
const TERMS = ['device', 'tenant', 'priority', 'shareBp', 'validFrom', 'validUntil'] as const;

/** GET /v1/log/entries answers at most 1000 entries a page (docs/api.md). */
const ENTRY_PAGE = 1000;

/**
 * The demo's contract id is taken: the service has it, since the 409 said
 * so. No route shows a contract by id, so its terms are read from its
 * entry, the log read from its start in pages (the operator may read them;
 * a demo's own contract follows its devices, near the start). One with the
 * demo's terms is a run stopped before it saved it; any other is someone
 * else's, and the park's matching would not be the demo's: refused in one
 * line naming it and what differs, before any reading is posted.
 */
async function refuseOtherContract(operator: HttpClient, origin: string, ours: ContractTerms, written: number, stateFile: string): Promise<void> {
  let theirs: ContractPayload | undefined;
  for (let start = 0; theirs === undefined; start += ENTRY_PAGE) {
    const { entries } = await operator.json<{ entries: Array<{ index: number; bytes: string }> }>(`/v1/log/entries?start=${start}&limit=${ENTRY_PAGE}`);
    for (const entry of entries) {
      // Most entries are readings: only a contract's payload holds this.
      if (!entry.bytes.includes(`"kind":"contract"`)) continue;
      const { payload } = parseEntry(entry.bytes, origin);
      if (payload.kind === 'contract' && payload.id === ours.id) theirs = payload;
    }
    if (entries.length < ENTRY_PAGE) break;
  }
  const differs = theirs === undefined ? [] : TERMS.filter((term) => theirs[term] !== ours[term]);
  if (theirs !== undefined && differs.length === 0) return;
  const shown = (value: unknown) => (value === undefined ? 'none' : String(value));
  const what =
    theirs === undefined
      ? `the service refused the demo's contract ${ours.id} as taken, and its log shows no contract of that id`
      : `the service already has contract ${ours.id}, and not the demo's: ${differs.map((term) => `${term} ${shown(theirs[term])}, not ${shown(ours[term])}`).join('; ')}`;
  throw new ServerConflict(
    `${what}. ${written === 0 ? 'Nothing was written' : `Nothing more was written: the registry entries this run made before it stay in the log, and ${stateFile} keeps them`}. ` +
      `The demo's matching needs its own contract: run the demo on a log of its own (without --server it starts one in ./demo-data)`,
  );
}

/** What a person whose demo ids are taken can do, for the one line that says so. */
const whatToPass = (several: boolean): string =>
  `if an earlier demo run registered ${several ? 'them' : 'it'}, pass that run's state file with --state; ` +
  `if not, ${several ? 'these ids are' : 'this id is'} taken on this log: run the demo on a log of its own (without --server it starts one in ./demo-data)`;

/**
 * Before writing anything: the service may have participants or devices of
 * the park's ids that the state file holds no token or key for, registered
 * by a demo run with another state file or by someone else. The demo cannot
 * act for them, so it stops, naming them, with the log unchanged. A
 * participant is looked up as a generator and as a tenant (the operator may
 * read both pages); one of another role shows only as the 409 of its
 * registration. A device whose key the state file holds may be registered
 * by a run stopped before it saved that: fillService takes its 409.
 */
async function refuseTakenIds(operator: HttpClient, park: Park, state: DemoState, stateFile: string): Promise<void> {
  const exists = (path: string, unknown: string) =>
    operator.json(path).then(
      () => true,
      (error: unknown) => {
        if (error instanceof GridproofError && error.code === unknown) return false;
        throw error;
      },
    );
  const taken: string[] = [];
  for (const { id } of park.participants.filter((p) => !state.tokens[p.id])) {
    const path = encodeURIComponent(id);
    if ((await exists(`/v1/generators/${path}/devices`, 'unknown-participant')) || (await exists(`/v1/tenants/${path}/claims`, 'unknown-participant'))) {
      taken.push(`participant ${id}`);
    }
  }
  for (const { id } of park.devices.filter((d) => !state.devices[d.id])) {
    if (await exists(`/v1/devices/${encodeURIComponent(id)}/chain`, 'unknown-device')) taken.push(`device ${id}`);
  }
  if (taken.length === 0) return;
  const named = taken.length > 3 ? `${taken.slice(0, 3).join(', ')} and ${taken.length - 3} more of the demo park's ids` : taken.join(', ');
  const several = taken.length > 1;
  throw new ServerConflict(
    `the service already has ${named}, and ${stateFile} holds no token or key for ${several ? 'them' : 'it'}; nothing was written. ${whatToPass(several).replace(/^i/, 'I')}`,
  );
}
