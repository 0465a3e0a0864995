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

-- Checked once per statement over the readings it touched (a transition
-- table), so a run that inserts thousands of allocations pays one query.
create function gridproof_allocations_within_readings() returns trigger
language plpgsql as $$
declare
  over bigint;
begin
  select a.source_idx into over
    from allocation a join reading r on r.entry_idx = a.source_idx
   where a.source_idx in (select source_idx from new_allocations)
   group by a.source_idx, r.export_wh
  having sum(a.wh) > r.export_wh
   limit 1;
  if over is not null then
    raise exception 'gridproof: allocations from reading % would exceed its export', over using errcode = 'GP003';
  end if;
  select a.sink_idx into over
    from allocation a join reading r on r.entry_idx = a.sink_idx
   where a.sink_idx in (select sink_idx from new_allocations)
   group by a.sink_idx, r.import_wh
  having sum(a.wh) > r.import_wh
   limit 1;
  if over is not null then
    raise exception 'gridproof: allocations to reading % would exceed its import', over using errcode = 'GP003';
  end if;
  return null;
end;
$$;
create trigger allocation_within_readings after insert on allocation
  referencing new table as new_allocations
  for each statement execute function gridproof_allocations_within_readings();

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

-- The intervals matched, per zone. Matching moves forward in time: a zone's
-- matching frontier is its latest matched start, and a reading of an interval
-- at or before it arrived late and is never matched (so storage lots are
-- always drawn and charged in time order).
create table matched_interval (
  start_at timestamptz not null,
  zone text not null,
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
