/**
 * Kysely table types. bigint columns are read as JS numbers (both drivers are
 * configured so in connect.ts): indexes and Wh stay far below 2^53.
 */
import type { Generated } from 'kysely';

export interface Database {
  log_head: { singleton: boolean; size: number };
  log_setting: { singleton: boolean; interval_seconds: number };
  /** Where the late-supply pass starts reading (migration 020); only rises. */
  late_supply_pass: { singleton: boolean; watermark: number };
  entry: {
    idx: number;
    leaf_hash: Uint8Array;
    bytes: Uint8Array;
    kind: string;
    logged_at: Generated<Date>;
  };
  tree_node: { level: number; idx: number; hash: Uint8Array };
  checkpoint: { size: number; root: Uint8Array; note: string; published_at: Generated<Date> };
  checkpoint_cosignature: { size: number; witness: string; line: string; signed_at: number };
  participant: { id: string; entry_idx: number; role: string; name: string };
  credential: { token_hash: Uint8Array; participant_id: string; created_at: Generated<Date> };
  device: {
    id: string;
    entry_idx: number;
    owner: string;
    type: string;
    bidding_zone: string;
    capacity_w: number;
    energy_capacity_wh: number | null;
    efficiency_bp: number | null;
    eecs_technology: string | null;
    commissioning_date: string;
  };
  key_entry: {
    entry_idx: number;
    subject_type: string;
    device_id: string | null;
    verifier_key: string;
    valid_from: Date;
    valid_until: Date | null;
  };
  /** The strict key check's verdict per device key entry (migration 018). */
  key_point_check: { entry_idx: number; passed: boolean };
  zone: { entry_idx: number; zone: string; g_co2_per_kwh: number; valid_from: Date };
  contract: {
    id: string;
    entry_idx: number;
    device_id: string;
    tenant_id: string;
    priority: number;
    share_bp: number | null;
    valid_from: Date;
    valid_until: Date | null;
  };
  reading: {
    entry_idx: number;
    /** The entry's leaf hash, copied (migration 011) so that matching need not join the log. */
    leaf_hash: Uint8Array;
    device_id: string;
    seq: number;
    start_at: Date;
    end_at: Date;
    import_wh: number;
    export_wh: number;
  };
  /** A device's chain head, written only by the reading trigger of migration 013. */
  device_chain: {
    device_id: string;
    seq: number;
    entry_idx: number;
    leaf_hash: Uint8Array;
    end_at: Date;
  };
  /** A settlement entry; its allocations as parallel arrays in position order (index = position). */
  settlement: {
    entry_idx: number;
    start_at: Date;
    zone: string;
    late: boolean;
    source_idx: number[];
    sink_idx: number[];
    wh: number[];
  };
  /** A view: one row per allocation of `settlement`, for reading only. */
  allocation: {
    settlement_idx: number;
    position: number;
    start_at: Date;
    zone: string;
    source_idx: number;
    sink_idx: number;
    wh: number;
  };
  settled_source: { source_idx: number; settlement_idx: number; supply_wh: number; allocated_wh: number };
  storage_charge: { settlement_idx: number; position: number; device_id: string; lot_wh: number };
  allocation_draw: { settlement_idx: number; position: number; charge_settlement_idx: number; charge_position: number; wh: number };
  matched_interval: { start_at: Date; zone: string };
  claim: {
    entry_idx: number;
    id: string;
    tenant_id: string;
    start_at: Date;
    end_at: Date;
    purpose: string;
    beneficiary: string;
    wh: number;
  };
  claim_allocation: { settlement_idx: number; position: number; claim_idx: number };
}
