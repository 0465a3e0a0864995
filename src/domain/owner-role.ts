/**
 * The role a device's owner must have (docs/design.md §1, "People"):
 * generators own wind, solar and storage; tenants own consumption meters.
 * Registration (ledger/registry.ts) refuses a device that breaks it and the
 * monitor's replay (monitor/replay-registry.ts) reports one, by this one table.
 */
import type { DeviceType, Role } from './payloads.ts';

export const OWNER_ROLE = { wind: 'generator', solar: 'generator', storage: 'generator', consumption: 'tenant' } as const satisfies Record<DeviceType, Role>;
