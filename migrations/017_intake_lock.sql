-- The group commit of readings (docs/design.md §3) locks the log head and
-- then reads what its checks need: which leaf hashes are logged already, the
-- devices' chain heads and keys, the zones' last matched intervals. Two
-- statements, because under READ COMMITTED a statement's snapshot is taken
-- when it starts: a read in the statement that waited for the lock would miss
-- the append committed just before the lock was granted.
--
-- This function does both in one round trip. It is VOLATILE, so each of its
-- statements takes a snapshot of its own (PostgreSQL "Function Volatility
-- Categories"): the read after the lock sees every append committed before
-- it, as the second statement did. The rules themselves are unchanged and
-- still checked as each append ends (GP002, GP005, GP013).
create function gridproof_lock_for_intake(leaf_hashes text[], device_ids text[], zones text[])
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
                  from (select zone, max(start_at) as latest from matched_interval where zone = any(zones) group by zone) m)
  ) into state;
  return state;
end;
$$;
