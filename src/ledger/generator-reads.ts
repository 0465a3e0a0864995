/**
 * The generator's view (README "Web app"): its devices with their chain
 * heads, and for one device and period, where each hour's export went — to
 * which sink readings (tenants or storage) and how much stayed unmatched —
 * exactly as the settlements record it. A period covers at most a year,
 * like the tenant view.
 */
import { toBase64 } from '../crypto/base64.ts';
import { allocationsFrom, deviceReadings, ownedDevices } from '../db/device-outputs.ts';
import { findDevice, findParticipant } from '../db/registry.ts';
import { formatInstant, MAX_PERIOD_MS } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import type { Ledger } from './ledger.ts';

export interface OwnedDevice {
  id: string;
  type: string;
  zone: string;
  capacityW: number;
  technology: string | null;
  commissioningDate: string;
  readings: number;
  head: { seq: number; index: number; leafHash: string; end: string } | null;
}

export interface HourOutput {
  start: string;
  end: string;
  index: number;
  seq: number;
  leafHash: string;
  exportWh: string;
  importWh: string;
  /** The settlement that settled this reading; null when its hour is not matched yet. */
  settlement: { index: number; late: boolean } | null;
  to: Array<{ device: string; type: string; owner: string; sink: string; wh: string }>;
  toStorageWh: string;
  unmatchedWh: string;
}

const day = (value: Date | string): string => (typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10));

export async function generatorDevices(ledger: Ledger, ownerId: string): Promise<{ devices: OwnedDevice[] }> {
  const participant = await findParticipant(ledger.db, ownerId);
  if (!participant || participant.role !== 'generator') throw new GridproofError('unknown-participant', `no generator ${ownerId}`);
  const rows = await ownedDevices(ledger.db, ownerId);
  return {
    devices: rows.map((row) => ({
      id: row.id,
      type: row.type,
      zone: row.bidding_zone,
      capacityW: Number(row.capacity_w),
      technology: row.eecs_technology,
      commissioningDate: day(row.commissioning_date),
      readings: Number(row.readings),
      head:
        row.head_seq === null || row.head_leaf_hash === null
          ? null
          : { seq: Number(row.head_seq), index: Number(row.head_idx), leafHash: toBase64(row.head_leaf_hash), end: formatInstant(row.head_end_at!) },
    })),
  };
}

export async function deviceOutputs(ledger: Ledger, deviceId: string, from: Date, to: Date): Promise<{ device: string; hours: HourOutput[] }> {
  if (!(to > from)) throw new GridproofError('bad-period', 'the period must end after it starts');
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw new GridproofError('bad-period', 'a period covers at most 366 days');
  if (!(await findDevice(ledger.db, deviceId))) throw new GridproofError('unknown-device', `no device ${deviceId}`);
  const [readings, allocations] = await Promise.all([deviceReadings(ledger.db, deviceId, from, to), allocationsFrom(ledger.db, deviceId, from, to)]);
  const bySource = new Map<number, HourOutput['to']>();
  for (const a of allocations) {
    const list = bySource.get(Number(a.source_idx)) ?? [];
    list.push({ device: a.sink_device, type: a.sink_type, owner: a.sink_owner, sink: toBase64(a.sink_leaf_hash), wh: String(a.wh) });
    bySource.set(Number(a.source_idx), list);
  }
  const hours = readings.map((r): HourOutput => {
    const to = bySource.get(Number(r.entry_idx)) ?? [];
    const storage = to.filter((x) => x.type === 'storage').reduce((sum, x) => sum + BigInt(x.wh), 0n);
    const allocated = to.reduce((sum, x) => sum + BigInt(x.wh), 0n);
    const settled = r.settlement_idx !== null;
    return {
      start: formatInstant(r.start_at),
      end: formatInstant(r.end_at),
      index: Number(r.entry_idx),
      seq: Number(r.seq),
      leafHash: toBase64(r.leaf_hash),
      exportWh: String(r.export_wh),
      importWh: String(r.import_wh),
      settlement: settled ? { index: Number(r.settlement_idx), late: r.late === true } : null,
      to,
      toStorageWh: String(storage),
      // Only a settled reading has an unmatched part; before matching nothing is decided yet.
      unmatchedWh: settled ? String(BigInt(r.export_wh) - allocated) : '0',
    };
  });
  return { device: deviceId, hours };
}
