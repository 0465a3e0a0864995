-- Matching, settlements and claims (DESIGN.md "Matching"). The invariants
-- that must hold under any concurrency are enforced here as well as in code:
-- Σ allocations from a reading ≤ its export, Σ to a reading ≤ its import,
-- one settlement per supply reading, an allocation claimed at most once.

create table allocation (
  entry_idx bigint primary key references entry (idx),
  start_at timestamptz not null,
  zone text not null,
  source_idx bigint not null references reading (entry_idx),
  sink_idx bigint not null references reading (entry_idx),
  wh bigint not null check (wh > 0),
  rule text not null check (rule in ('contract', 'pool')),
  contract_idx bigint references contract (entry_idx),
  check ((rule = 'contract') = (contract_idx is not null)),
  check (source_idx <> sink_idx)
);
create index allocation_source on allocation (source_idx);
create index allocation_sink on allocation (sink_idx);
create trigger allocation_append_only before update or delete on allocation
  for each row execute function gridproof_reject_change();

create function gridproof_allocation_within_readings() returns trigger
language plpgsql as $$
declare
  exported bigint;
  imported bigint;
begin
  select export_wh into exported from reading where entry_idx = new.source_idx;
  if (select coalesce(sum(wh), 0) from allocation where source_idx = new.source_idx) + new.wh > exported then
    raise exception 'gridproof: allocations from reading % would exceed its export', new.source_idx using errcode = 'P0001';
  end if;
  select import_wh into imported from reading where entry_idx = new.sink_idx;
  if (select coalesce(sum(wh), 0) from allocation where sink_idx = new.sink_idx) + new.wh > imported then
    raise exception 'gridproof: allocations to reading % would exceed its import', new.sink_idx using errcode = 'P0001';
  end if;
  return new;
end;
$$;
create trigger allocation_within_readings before insert on allocation
  for each row execute function gridproof_allocation_within_readings();

-- A storage discharge allocation draws on earlier charge allocations.
create table allocation_draw (
  allocation_idx bigint not null references allocation (entry_idx),
  charge_idx bigint not null references allocation (entry_idx),
  wh bigint not null check (wh > 0),
  primary key (allocation_idx, charge_idx),
  check (charge_idx < allocation_idx)
);
create index allocation_draw_charge on allocation_draw (charge_idx);
create trigger allocation_draw_append_only before update or delete on allocation_draw
  for each row execute function gridproof_reject_change();

create table settlement (
  entry_idx bigint primary key references entry (idx),
  -- One settlement per supply reading.
  source_idx bigint not null unique references reading (entry_idx),
  supply_wh bigint not null check (supply_wh >= 0),
  allocated_wh bigint not null check (allocated_wh >= 0 and allocated_wh <= supply_wh)
);
create trigger settlement_append_only before update or delete on settlement
  for each row execute function gridproof_reject_change();

-- An interval and zone is matched once; readings of it logged at or after
-- log_size arrived late and are not matched.
create table matched_interval (
  start_at timestamptz not null,
  zone text not null,
  log_size bigint not null,
  primary key (start_at, zone)
);
create trigger matched_interval_append_only before update or delete on matched_interval
  for each row execute function gridproof_reject_change();

create table claim (
  entry_idx bigint primary key references entry (idx),
  id text not null unique,
  tenant_id text not null references participant (id),
  start_at timestamptz not null,
  end_at timestamptz not null,
  purpose text not null,
  beneficiary text not null,
  wh bigint not null check (wh > 0)
);
create index claim_tenant on claim (tenant_id, entry_idx);
create trigger claim_append_only before update or delete on claim
  for each row execute function gridproof_reject_change();

-- An allocation is claimed at most once, ever.
create table claim_allocation (
  allocation_idx bigint primary key references allocation (entry_idx),
  claim_idx bigint not null references claim (entry_idx)
);
create trigger claim_allocation_append_only before update or delete on claim_allocation
  for each row execute function gridproof_reject_change();
