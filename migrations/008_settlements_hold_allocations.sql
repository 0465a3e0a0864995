-- Allocations move inside settlements: one `settlement` entry per matched
-- interval and zone lists every supply reading of it with its allocations,
-- instead of one signed entry per (source, sink) pair and one settlement per
-- source. A year of a 10-generator, 20-tenant park was 1.4 million entries;
-- it is now 8,760, and one entry shows a verifier everything an hour's
-- supply went to (README "Matching"). An allocation is named by its
-- settlement and position: `<settlement leaf hash>#<position>`.
--
-- The log is immutable, so a log that already holds entries of the earlier
-- matching format cannot be carried over: refuse, and say so.
do $$
begin
  if exists (select 1 from entry where kind in ('allocation', 'settlement', 'claim')) then
    raise exception 'gridproof: this log holds matching entries of the earlier format (one entry per allocation); start a new log'
      using errcode = 'GP004';
  end if;
end;
$$;

drop table claim_allocation;
drop table allocation_draw;
drop table settlement;
drop table allocation;
drop function gridproof_allocations_within_readings();

alter table entry drop constraint entry_kind_check;
alter table entry add constraint entry_kind_check check (kind in
  ('participant', 'device', 'key', 'zone', 'contract', 'reading', 'settlement', 'claim'));

-- The projection of a settlement entry. Its allocations are parallel arrays
-- in position order (SQL index = position + 1): a year holds millions of
-- allocations, and a row each would cost more to write than the matching.
create table settlement (
  entry_idx bigint primary key references entry (idx),
  start_at timestamptz not null,
  zone text not null,
  -- A late settlement settles supply readings logged after their interval
  -- was matched; it allocates nothing (DESIGN.md "Matching": late readings).
  late boolean not null,
  source_idx bigint[] not null,
  sink_idx bigint[] not null,
  wh bigint[] not null,
  check (cardinality(sink_idx) = cardinality(source_idx) and cardinality(wh) = cardinality(source_idx)),
  check (not late or cardinality(source_idx) = 0)
);
-- One matching settlement per interval and zone: with the check below that
-- every allocation's readings are of that interval and zone, all the
-- allocations from or to a reading are in one row.
create unique index settlement_matched on settlement (start_at, zone) where not late;
create index settlement_start on settlement (start_at);
create trigger settlement_append_only before update or delete on settlement
  for each row execute function gridproof_reject_change();
create trigger settlement_no_truncate before truncate on settlement
  for each statement execute function gridproof_reject_change();

-- Every allocation, a row each, for reading: filters on start_at and zone
-- reach the settlement table's indexes.
create view allocation as
  select s.entry_idx as settlement_idx, (a.position - 1)::integer as position, s.start_at, s.zone,
         a.source_idx, a.sink_idx, a.wh
    from settlement s,
         unnest(s.source_idx, s.sink_idx, s.wh) with ordinality as a(source_idx, sink_idx, wh, position);

-- Checked once per statement over the new rows (a transition table), per
-- reading rather than per allocation: every allocation's readings are of its
-- settlement's interval and zone, it goes from a supply reading to a demand
-- reading and is of at least 1 Wh, and Σ from a reading ≤ its export, Σ to a
-- reading ≤ its import. A reading's allocations are all in one statement:
-- its interval and zone have one matching settlement.
create function gridproof_settlement_allocations() returns trigger
language plpgsql as $$
declare
  bad bigint;
begin
  select s.source_idx into bad
    from (select a.source_idx, n.start_at, n.zone, sum(a.wh) as wh, min(a.wh) as least
            from new_settlements n, unnest(n.source_idx, n.sink_idx, n.wh) as a(source_idx, sink_idx, wh)
           group by a.source_idx, n.start_at, n.zone) s
    join reading r on r.entry_idx = s.source_idx
    join device d on d.id = r.device_id
   where s.least <= 0 or s.wh > r.export_wh
      or r.start_at <> s.start_at or d.bidding_zone <> s.zone or d.type not in ('wind', 'solar', 'storage')
   limit 1;
  if bad is not null then
    raise exception 'gridproof: allocations from reading % exceed its export or leave its interval, zone or kind', bad
      using errcode = 'GP003';
  end if;
  select s.sink_idx into bad
    from (select a.sink_idx, n.start_at, n.zone, sum(a.wh) as wh
            from new_settlements n, unnest(n.source_idx, n.sink_idx, n.wh) as a(source_idx, sink_idx, wh)
           group by a.sink_idx, n.start_at, n.zone) s
    join reading r on r.entry_idx = s.sink_idx
    join device d on d.id = r.device_id
   where s.wh > r.import_wh
      or r.start_at <> s.start_at or d.bidding_zone <> s.zone or d.type not in ('consumption', 'storage')
   limit 1;
  if bad is not null then
    raise exception 'gridproof: allocations to reading % exceed its import or leave its interval, zone or kind', bad
      using errcode = 'GP003';
  end if;
  return null;
end;
$$;
create trigger settlement_allocations after insert on settlement
  referencing new table as new_settlements
  for each statement execute function gridproof_settlement_allocations();

-- Every supply reading is settled exactly once (DESIGN.md "Matching").
create table settled_source (
  source_idx bigint primary key references reading (entry_idx),
  settlement_idx bigint not null references settlement (entry_idx),
  supply_wh bigint not null check (supply_wh >= 0),
  allocated_wh bigint not null check (allocated_wh >= 0 and allocated_wh <= supply_wh)
);
create index settled_source_settlement on settled_source (settlement_idx);
create trigger settled_source_append_only before update or delete on settled_source
  for each row execute function gridproof_reject_change();
create trigger settled_source_no_truncate before truncate on settled_source
  for each statement execute function gridproof_reject_change();

-- Green charge: each allocation to a storage reading, and the lot it left
-- after the device's efficiency losses.
create table storage_charge (
  settlement_idx bigint not null references settlement (entry_idx),
  position integer not null check (position >= 0),
  device_id text not null references device (id),
  lot_wh bigint not null check (lot_wh >= 0),
  primary key (settlement_idx, position)
);
create index storage_charge_device on storage_charge (device_id, settlement_idx);
create trigger storage_charge_append_only before update or delete on storage_charge
  for each row execute function gridproof_reject_change();
create trigger storage_charge_no_truncate before truncate on storage_charge
  for each statement execute function gridproof_reject_change();

-- A storage discharge draws on earlier charges, never beyond a charge's lot.
create table allocation_draw (
  settlement_idx bigint not null references settlement (entry_idx),
  position integer not null check (position >= 0),
  charge_settlement_idx bigint not null,
  charge_position integer not null,
  wh bigint not null check (wh > 0),
  primary key (settlement_idx, position, charge_settlement_idx, charge_position),
  foreign key (charge_settlement_idx, charge_position) references storage_charge (settlement_idx, position),
  check (charge_settlement_idx < settlement_idx)
);
create index allocation_draw_charge on allocation_draw (charge_settlement_idx, charge_position);
create trigger allocation_draw_append_only before update or delete on allocation_draw
  for each row execute function gridproof_reject_change();
create trigger allocation_draw_no_truncate before truncate on allocation_draw
  for each statement execute function gridproof_reject_change();

create function gridproof_draws_within_lots() returns trigger
language plpgsql as $$
declare
  bad integer;
begin
  select c.position into bad
    from storage_charge c
   where (c.settlement_idx, c.position) in (select charge_settlement_idx, charge_position from new_draws)
     and c.lot_wh < (select sum(x.wh) from allocation_draw x
                      where x.charge_settlement_idx = c.settlement_idx and x.charge_position = c.position)
   limit 1;
  if bad is not null then
    raise exception 'gridproof: draws would exceed a green charge' using errcode = 'GP003';
  end if;
  return null;
end;
$$;
create trigger allocation_draw_within_lots after insert on allocation_draw
  referencing new table as new_draws
  for each statement execute function gridproof_draws_within_lots();

-- An allocation is claimed at most once, ever.
create table claim_allocation (
  settlement_idx bigint not null references settlement (entry_idx),
  position integer not null check (position >= 0),
  claim_idx bigint not null references claim (entry_idx),
  primary key (settlement_idx, position)
);
create index claim_allocation_claim on claim_allocation (claim_idx);
create trigger claim_allocation_append_only before update or delete on claim_allocation
  for each row execute function gridproof_reject_change();
create trigger claim_allocation_no_truncate before truncate on claim_allocation
  for each statement execute function gridproof_reject_change();
