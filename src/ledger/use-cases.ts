/**
 * Everything the HTTP API can ask of the ledger, one method per use case.
 * Each checks access (access.ts) before doing any work, then runs one use
 * case. Routes hold this object and nothing of the store.
 */
import { pingDatabase } from '../db/ping.ts';
import type { Bundle } from '../domain/bundle/bundle-types.ts';
import type { BundleVerdict } from '../domain/bundle/bundle-types.ts';
import type { BundleFacts } from '../domain/bundle/facts-types.ts';
import type { WitnessPolicy } from '../domain/witness-policy.ts';
import { certificateOf, exportOf } from '../domain/certificate/claim-documents.ts';
import { utf8 } from '../crypto/base64.ts';
import type { ContractPayload, ZonePayload } from '../domain/payloads.ts';
import { GridproofError } from '../errors.ts';
import { allow, Callers, mayCheckDevice, mayReadDeviceOutputs, mayReadGenerator, mayReadTenant, readableClaim, type Caller } from './access.ts';
import { deviceOutputs, generatorDevices, type HourOutput, type OwnedDevice } from './generator-reads.ts';
import { buildBundle, buildClaimBundle } from './bundle.ts';
import { deviceChainHead, verifyDeviceChain, type ChainHeadReport, type ChainPageReport } from './chain.ts';
import { makeClaim, type ClaimRequest } from './claims.ts';
import { verifyOnPool } from './cpu-pool.ts';
import type { ReadingIntake } from './intake.ts';
import type { Ledger } from './ledger.ts';
import { witnessStatus, type WitnessStatus } from './witnessed-checkpoints.ts';
import type { CheckpointWitnessing } from './witnessing.ts';
import {
  checkpointNoteOfSize,
  checkpointPage,
  entryPage,
  entryRecordPage,
  entryText,
  latestCheckpointNote,
  type CheckpointPage,
  type EntryPage,
} from './log-reads.ts';
import { runMatching, type MatchingSummary } from './matching/run.ts';
import { rotateOperatorKey, type Rotation } from './operator-rotation.ts';
import { proveConsistency, proveInclusion, proveInclusionOfLeaf, type ConsistencyProof, type InclusionProof } from './proofs.ts';
import { addContract, addDeviceKey, addZone, registerDevice, registerParticipant, type NewDevice, type NewParticipant } from './registry.ts';
import type { EntryResult } from './sequencer.ts';
import { listClaims, type ClaimSummary } from './tenant-reads.ts';
import { tenantMatching, type TenantView } from './tenant-view.ts';

export interface DeviceKeyRequest {
  verifierKey: string;
  validFrom: string;
  validUntil?: string;
}

export class UseCases {
  readonly #ledger: Ledger;
  readonly #intake: ReadingIntake;
  readonly #callers: Callers;

  readonly #witnessing: CheckpointWitnessing | undefined;

  constructor(ledger: Ledger, intake: ReadingIntake, witnessing?: CheckpointWitnessing) {
    this.#ledger = ledger;
    this.#intake = intake;
    this.#witnessing = witnessing;
    this.#callers = new Callers(ledger);
  }

  /** The participant a bearer token belongs to. */
  caller(token: string): Promise<Caller> {
    return this.#callers.byToken(token);
  }

  /**
   * Who a token acts as: any valid token may read its own participant id,
   * role and registered name (the web pages start from it and greet the
   * participant by name, docs/api.md). The caller carries all three already:
   * they were read with the token (access.ts, Callers).
   */
  me(caller: Caller): { id: string; role: Caller['role']; name: string } {
    return { id: caller.id, role: caller.role, name: caller.name };
  }

  async health(): Promise<{ status: 'ok' }> {
    try {
      await pingDatabase(this.#ledger.db);
    } catch {
      throw new GridproofError('unavailable', 'the database does not answer');
    }
    return { status: 'ok' };
  }

  // The log: public except entry bytes.
  latestCheckpoint(): Promise<string> {
    return latestCheckpointNote(this.#ledger);
  }

  /** Which witnesses cosigned up to which size, and how far behind each is. */
  witnesses(): Promise<WitnessStatus> {
    return witnessStatus(this.#ledger, this.#witnessing);
  }

  checkpointOfSize(size: number): Promise<string> {
    return checkpointNoteOfSize(this.#ledger, size);
  }

  /** The stored checkpoints' sizes, newest first, a page below `before`. */
  checkpoints(before: number | undefined, limit: number): Promise<CheckpointPage> {
    return checkpointPage(this.#ledger, before, limit);
  }

  logKey(): string {
    return `${this.#ledger.logVerifier.vkey}\n`;
  }

  entry(caller: Caller, index: number): Promise<string> {
    return entryText(this.#ledger, caller, index);
  }

  entries(caller: Caller, start: number, limit: number): Promise<EntryPage> {
    return entryPage(this.#ledger, caller, start, limit);
  }

  entryRecords(caller: Caller, start: number, limit: number): Promise<Uint8Array> {
    return entryRecordPage(this.#ledger, caller, start, limit);
  }

  inclusionProof(at: { index: number } | { leafHash: Uint8Array }, treeSize: number): Promise<InclusionProof> {
    return 'index' in at ? proveInclusion(this.#ledger, at.index, treeSize) : proveInclusionOfLeaf(this.#ledger, at.leafHash, treeSize);
  }

  consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
    return proveConsistency(this.#ledger, from, to);
  }

  // Readings.
  async submitReadings(caller: Caller, notes: readonly string[]): Promise<{ results: EntryResult[] }> {
    allow(caller, 'post-readings');
    return { results: await this.#intake.submit(caller, notes) };
  }

  // The registry: the operator writes it; owners check their devices.
  async registerParticipant(caller: Caller, input: NewParticipant): Promise<Awaited<ReturnType<typeof registerParticipant>>> {
    allow(caller, 'register');
    return registerParticipant(this.#ledger, input);
  }

  async registerDevice(caller: Caller, input: NewDevice): Promise<Awaited<ReturnType<typeof registerDevice>>> {
    allow(caller, 'register');
    return registerDevice(this.#ledger, input);
  }

  async addDeviceKey(caller: Caller, deviceId: string, input: DeviceKeyRequest): Promise<Awaited<ReturnType<typeof addDeviceKey>>> {
    allow(caller, 'register');
    return addDeviceKey(this.#ledger, deviceId, input);
  }

  async addZone(caller: Caller, input: Omit<ZonePayload, 'kind' | 'log'>): Promise<{ index: number }> {
    allow(caller, 'register');
    return addZone(this.#ledger, input);
  }

  async addContract(caller: Caller, input: Omit<ContractPayload, 'kind' | 'log'>): Promise<{ id: string; index: number }> {
    allow(caller, 'register');
    return addContract(this.#ledger, input);
  }

  /** Replaces the operator key with the staged one (README "Rotating the operator key"). */
  async rotateOperatorKey(caller: Caller, verifierKey: string): Promise<Rotation> {
    allow(caller, 'rotate-operator-key');
    return rotateOperatorKey(this.#ledger, verifierKey);
  }

  async deviceChainHead(caller: Caller, deviceId: string): Promise<ChainHeadReport> {
    await mayCheckDevice(this.#ledger, caller, deviceId);
    return deviceChainHead(this.#ledger, deviceId);
  }

  async verifyDeviceChain(caller: Caller, deviceId: string, fromSeq: number, limit: number): Promise<ChainPageReport> {
    await mayCheckDevice(this.#ledger, caller, deviceId);
    return verifyDeviceChain(this.#ledger, deviceId, fromSeq, limit);
  }

  // The generator's view.
  async generatorDevices(caller: Caller, ownerId: string): Promise<{ devices: OwnedDevice[] }> {
    mayReadGenerator(caller, ownerId);
    return generatorDevices(this.#ledger, ownerId);
  }

  async deviceOutputs(caller: Caller, deviceId: string, from: Date, to: Date): Promise<{ device: string; hours: HourOutput[] }> {
    await mayReadDeviceOutputs(this.#ledger, caller, deviceId);
    return deviceOutputs(this.#ledger, deviceId, from, to);
  }

  // Matching, the tenant view and claims.
  async runMatching(caller: Caller, untilMs: number): Promise<MatchingSummary> {
    allow(caller, 'run-matching');
    return runMatching(this.#ledger, untilMs);
  }

  async tenantMatching(caller: Caller, tenantId: string, from: Date, to: Date): Promise<TenantView> {
    mayReadTenant(caller, tenantId);
    return tenantMatching(this.#ledger, tenantId, from, to);
  }

  async claim(caller: Caller, request: ClaimRequest): Promise<Awaited<ReturnType<typeof makeClaim>>> {
    allow(caller, 'claim');
    return makeClaim(this.#ledger, caller.id, request);
  }

  async claims(caller: Caller, tenantId: string): Promise<{ claims: ClaimSummary[] }> {
    mayReadTenant(caller, tenantId);
    return listClaims(this.#ledger, tenantId);
  }

  // Bundles and their verification.
  async claimBundle(caller: Caller, claimId: string): Promise<Bundle> {
    return buildClaimBundle(this.#ledger, await readableClaim(this.#ledger, caller, claimId));
  }

  /** A claim's certificate page, made from its bundle as any holder of the bundle would make it (docs/exports.md). */
  async claimCertificate(caller: Caller, claimId: string): Promise<string> {
    const bundle = await this.claimBundle(caller, claimId);
    const bytes = utf8(JSON.stringify(bundle));
    return certificateOf(bytes, JSON.parse(JSON.stringify(bundle)), { logKey: this.#ledger.logVerifier.vkey, verify: this.#ledger.verify });
  }

  /** A claim's EnergyTag or EECS records, made from its bundle. */
  async claimExport(caller: Caller, claimId: string, format: string): Promise<string> {
    const bundle = await this.claimBundle(caller, claimId);
    return exportOf(bundle, format, { logKey: this.#ledger.logVerifier.vkey, verify: this.#ledger.verify });
  }

  async tenantBundle(caller: Caller, tenantId: string, from: Date, to: Date): Promise<Bundle> {
    mayReadTenant(caller, tenantId);
    return buildBundle(this.#ledger, tenantId, from, to);
  }

  /**
   * The pure verifier, trusting nothing of this server but, by default, its
   * log key; for a bundle that verified, every fact it proves
   * (docs/exports.md). It runs on the worker pool, so the event loop keeps
   * answering. Anyone may ask, so an anonymous caller's verification stops at
   * the first reason the bundle is invalid; a participant gets every reason.
   */
  async verify(caller: Caller | undefined, bundle: unknown, key?: string, witnessPolicy?: WitnessPolicy): Promise<BundleVerdict & { facts?: BundleFacts }> {
    const { verdict, facts } = await verifyOnPool({
      bundle,
      logKey: key ?? this.#ledger.logVerifier.vkey,
      firstReasonOnly: caller === undefined,
      ...(witnessPolicy ? { witnessPolicy } : {}),
    });
    return facts === undefined ? verdict : { ...verdict, facts };
  }
}
