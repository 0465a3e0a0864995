-- Projections of registry entries (participant, device, key, zone, contract):
-- indexes over the log for queries and constraints. Each row points at the
-- entry it was read from; the entry's bytes stay the truth.

create table participant (
  id text primary key,
  entry_idx bigint not null unique references entry (idx),
  role text not null check (role in ('operator', 'generator', 'tenant', 'certifier')),
  name text not null
);
create trigger participant_append_only before update or delete on participant
  for each row execute function gridproof_reject_change();

-- Bearer tokens, stored only as SHA-256 hashes (shown once at creation).
-- Not part of the log: a token is a secret, not a fact to prove.
create table credential (
  token_hash bytea primary key check (octet_length(token_hash) = 32),
  participant_id text not null references participant (id),
  created_at timestamptz not null default now()
);

create table device (
  id text primary key,
  entry_idx bigint not null unique references entry (idx),
  owner text not null references participant (id),
  type text not null check (type in ('wind', 'solar', 'storage', 'consumption')),
  bidding_zone text not null,
  capacity_w bigint not null check (capacity_w > 0),
  energy_capacity_wh bigint check (energy_capacity_wh > 0),
  efficiency_bp integer check (efficiency_bp between 1 and 10000),
  eecs_technology text,
  commissioning_date date not null,
  check ((type = 'storage') = (energy_capacity_wh is not null and efficiency_bp is not null))
);
create trigger device_append_only before update or delete on device
  for each row execute function gridproof_reject_change();

-- Key entries, in log order. subject_type 'operator' has no device.
create table key_entry (
  entry_idx bigint primary key references entry (idx),
  subject_type text not null check (subject_type in ('operator', 'device')),
  device_id text references device (id),
  verifier_key text not null,
  valid_from timestamptz not null,
  valid_until timestamptz,
  check ((subject_type = 'device') = (device_id is not null)),
  check (valid_until is null or valid_until > valid_from)
);
create index key_entry_device on key_entry (device_id, entry_idx);
create trigger key_entry_append_only before update or delete on key_entry
  for each row execute function gridproof_reject_change();

create table zone (
  entry_idx bigint primary key references entry (idx),
  zone text not null,
  g_co2_per_kwh integer not null check (g_co2_per_kwh >= 0),
  valid_from timestamptz not null
);
create trigger zone_append_only before update or delete on zone
  for each row execute function gridproof_reject_change();

create table contract (
  id text primary key,
  entry_idx bigint not null unique references entry (idx),
  device_id text not null references device (id),
  tenant_id text not null references participant (id),
  priority integer not null,
  share_bp integer check (share_bp between 1 and 10000),
  valid_from timestamptz not null,
  valid_until timestamptz,
  check (valid_until is null or valid_until > valid_from)
);
create trigger contract_append_only before update or delete on contract
  for each row execute function gridproof_reject_change();
