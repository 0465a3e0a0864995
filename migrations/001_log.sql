-- The log (DESIGN.md "The log"): entries, the Merkle tree's stored hashes and
-- the signed checkpoints. All three are append-only: the database itself
-- refuses UPDATE, DELETE and TRUNCATE, whatever the application does.
--
-- Refusals carry SQLSTATE codes of our own class GP, so clients and tests can
-- tell them apart without reading messages: GP001 a change to an append-only
-- table, GP002 a gap in the log's indexes, GP003 an allocation beyond a
-- reading's export or import.

create function gridproof_reject_change() returns trigger
language plpgsql as $$
begin
  raise exception 'gridproof: % is append-only (% refused)', tg_table_name, tg_op
    using errcode = 'GP001';
end;
$$;

-- The sequencer's head: one row, locked by every append, so indexes are
-- assigned one transaction at a time, across processes (DESIGN.md "Sequence").
create table log_head (
  singleton boolean primary key default true check (singleton),
  size bigint not null check (size >= 0)
);
insert into log_head (singleton, size) values (true, 0);

create table entry (
  idx bigint primary key check (idx >= 0),
  -- RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 || entry bytes), checked here
  -- too so no row can carry a hash of other bytes.
  leaf_hash bytea not null unique check (octet_length(leaf_hash) = 32),
  bytes bytea not null,
  kind text not null check (kind in
    ('participant', 'device', 'key', 'zone', 'contract', 'reading', 'allocation', 'settlement', 'claim')),
  logged_at timestamptz not null default now(),
  constraint entry_leaf_hash_matches check (leaf_hash = sha256('\x00'::bytea || bytes))
);

-- Gapless: each new entry takes exactly the next index. A row-level BEFORE
-- trigger sees the rows its own statement already inserted, so a multi-row
-- insert is checked row by row.
create function gridproof_entry_next_index() returns trigger
language plpgsql as $$
declare
  expected bigint;
begin
  select coalesce(max(idx) + 1, 0) into expected from entry;
  if new.idx <> expected then
    raise exception 'gridproof: entry index % is not the next index %', new.idx, expected
      using errcode = 'GP002';
  end if;
  return new;
end;
$$;

create trigger entry_gapless before insert on entry
  for each row execute function gridproof_entry_next_index();
create trigger entry_append_only before update or delete on entry
  for each row execute function gridproof_reject_change();
create trigger entry_no_truncate before truncate on entry
  for each statement execute function gridproof_reject_change();

-- Perfect-subtree hashes: (level, idx) covers leaves [idx·2^level, (idx+1)·2^level).
-- About two rows per entry; the root of any size needs at most log2(n) of them.
create table tree_node (
  level smallint not null check (level between 0 and 62),
  idx bigint not null check (idx >= 0),
  hash bytea not null check (octet_length(hash) = 32),
  primary key (level, idx)
);
create trigger tree_node_append_only before update or delete on tree_node
  for each row execute function gridproof_reject_change();
create trigger tree_node_no_truncate before truncate on tree_node
  for each statement execute function gridproof_reject_change();

-- Every signed checkpoint is kept; one per size (C2SP tlog-checkpoint).
create table checkpoint (
  size bigint primary key check (size >= 0),
  root bytea not null check (octet_length(root) = 32),
  note text not null,
  published_at timestamptz not null default now()
);
create trigger checkpoint_append_only before update or delete on checkpoint
  for each row execute function gridproof_reject_change();
create trigger checkpoint_no_truncate before truncate on checkpoint
  for each statement execute function gridproof_reject_change();
