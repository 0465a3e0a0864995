-- A zone's last matched interval: a reading of an interval at or before it is
-- late, logged but never matched (docs/design.md §5). Every group commit of
-- readings asks it for its zones (gridproof_lock_for_intake), each matching
-- window and pending-interval scan asks it, and so does the tenant's view.
--
-- matched_interval's primary key leads with the start (start_at, zone), so no
-- index answered "the latest start of zone Z". The intake's form of the
-- question (zone = any(zones) group by zone) read every matched interval of
-- its zones, and a zone gains 8,760 of them a year: the intake slowed down as
-- the log aged, on every commit. Measured on PostgreSQL 15, 2 cores: with
-- three years of one zone matched (26,280 rows) that part of the lock took
-- 9.7 ms per group commit, against 0.06 ms by an index; 64 clients posting
-- one reading each spent 400–478 µs of PostgreSQL's CPU per reading, against
-- 159–172 µs with nothing matched yet.
--
-- An index on (zone, start_at) answers it from the index's last entry for
-- the zone, and one function asks it for every caller, so the question has
-- one spelling and every spelling is fast.
create index matched_interval_by_zone on matched_interval (zone, start_at);

-- Plain SQL and STABLE, so the planner inlines it into the query that calls
-- it (PostgreSQL "Inlining of SQL Functions"): as cheap as writing the
-- subquery out.
create function gridproof_last_matched(zone text) returns timestamptz
language sql stable as $$
  select max(m.start_at) from matched_interval m where m.zone = $1
$$;

-- Migration 017's function, with the zones' last matched intervals asked per
-- zone through gridproof_last_matched; the rest is unchanged.
create or replace function gridproof_lock_for_intake(leaf_hashes text[], device_ids text[], zones text[])
returns json
language plpgsql volatile as $$
declare
  log_size bigint;
  state json;
begin
  select h.size into log_size from log_head h for update;
  select json_build_object(
    'size', log_size,
    'logged', (select coalesce(json_agg(json_build_object('idx', e.idx, 'leafHash', encode(e.leaf_hash, 'base64'))), '[]')
                 from entry e where e.leaf_hash in (select decode(h, 'base64') from unnest(leaf_hashes) h)),
    'heads', (select coalesce(json_agg(json_build_object('device', c.device_id, 'seq', c.seq, 'leafHash', encode(c.leaf_hash, 'base64'),
                                                         'endMs', (extract(epoch from c.end_at) * 1000)::float8)), '[]')
                from device_chain c where c.device_id = any(device_ids)),
    'keys', (select coalesce(json_agg(json_build_object('device', k.device_id, 'entryIdx', k.entry_idx, 'verifierKey', k.verifier_key,
                                                        'validFromMs', (extract(epoch from k.valid_from) * 1000)::float8,
                                                        'validUntilMs', (extract(epoch from k.valid_until) * 1000)::float8) order by k.entry_idx), '[]')
               from key_entry k where k.device_id = any(device_ids)),
    'matched', (select coalesce(json_agg(json_build_object('zone', m.zone, 'latestMs', (extract(epoch from m.latest) * 1000)::float8)), '[]')
                  from (select z.zone, gridproof_last_matched(z.zone) as latest from (select distinct unnest(zones) as zone) z) m
                 where m.latest is not null)
  ) into state;
  return state;
end;
$$;
