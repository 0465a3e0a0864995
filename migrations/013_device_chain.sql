-- Each device's chain head, kept by the database as readings are appended,
-- so that GET /v1/devices/{id}/chain answers with one primary-key probe
-- instead of re-verifying every reading of the device (README "API at a
-- glance"). Intake checks every reading against its predecessor (seq, prev,
-- interval) before it is written; this table records the outcome and holds
-- the chain rule once more in SQL: a statement's readings of a device must
-- continue its head with consecutive seqs, each interval starting no earlier
-- than the previous one ends. Refusals carry GP013.
create table device_chain (
  device_id text primary key references device (id),
  -- Seqs start at 0 and have no gaps, so the chain's length is seq + 1.
  seq bigint not null check (seq >= 0),
  entry_idx bigint not null references entry (idx),
  leaf_hash bytea not null check (octet_length(leaf_hash) = 32),
  end_at timestamptz not null
);

-- Heads of the readings already stored (distinct on: the highest seq per device).
insert into device_chain (device_id, seq, entry_idx, leaf_hash, end_at)
select distinct on (device_id) device_id, seq, entry_idx, leaf_hash, end_at
  from reading
 order by device_id, seq desc;

create function gridproof_extend_device_chain() returns trigger
language plpgsql as $$
declare
  bad text;
begin
  with fresh as (
    select n.device_id, n.seq, n.start_at,
           row_number() over w as position,
           lag(n.seq) over w as prev_seq,
           lag(n.end_at) over w as prev_end
      from new_readings n
    window w as (partition by n.device_id order by n.seq)
  )
  select f.device_id into bad
    from fresh f left join device_chain c on c.device_id = f.device_id
   where (f.position = 1 and (f.seq <> coalesce(c.seq, -1) + 1 or f.start_at < c.end_at))
      or (f.position > 1 and (f.seq <> f.prev_seq + 1 or f.start_at < f.prev_end))
   limit 1;
  if bad is not null then
    raise exception 'gridproof: the readings of device % do not continue its chain', bad
      using errcode = 'GP013';
  end if;
  insert into device_chain (device_id, seq, entry_idx, leaf_hash, end_at)
  select distinct on (device_id) device_id, seq, entry_idx, leaf_hash, end_at
    from new_readings
   order by device_id, seq desc
  on conflict (device_id) do update
    set seq = excluded.seq, entry_idx = excluded.entry_idx, leaf_hash = excluded.leaf_hash, end_at = excluded.end_at;
  return null;
end;
$$;
create trigger reading_extends_device_chain after insert on reading
  referencing new table as new_readings
  for each statement execute function gridproof_extend_device_chain();

-- Only that trigger writes heads: a direct write (trigger depth 0) is refused,
-- so a head can never disagree with the readings it summarises.
create trigger device_chain_written_by_readings before insert or update or delete on device_chain
  for each row when (pg_trigger_depth() < 1) execute function gridproof_reject_change();
create trigger device_chain_no_truncate before truncate on device_chain
  for each statement execute function gridproof_reject_change();
