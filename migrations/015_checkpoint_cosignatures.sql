-- Witness cosignatures of the log's checkpoints (C2SP tlog-cosignature v1,
-- docs/witnesses.md). A witness cosigns a checkpoint only after checking it
-- extends every one it cosigned before; a verifier that trusts the witness
-- then knows the checkpoint is the one others saw, not a split view.
--
-- Kept like the checkpoints themselves: one row per checkpoint and witness,
-- never changed nor removed (a cosignature is evidence, and the witness's
-- "latest cosigned size" the log resumes from is read back from here).
create table checkpoint_cosignature (
  size bigint not null references checkpoint (size),
  -- The witness's verifier key (vkey of signature type 0x04).
  witness text not null,
  -- The signature line, "— <name> <base64>\n", exactly as the witness sent it.
  line text not null check (left(line, 2) = '— ' and right(line, 1) = E'\n'),
  -- POSIX seconds the witness signed (the cosignature's timestamp).
  signed_at bigint not null check (signed_at >= 0),
  primary key (size, witness)
);
create index checkpoint_cosignature_by_witness on checkpoint_cosignature (witness, size);

create trigger checkpoint_cosignature_append_only before update or delete on checkpoint_cosignature
  for each row execute function gridproof_reject_change();
create trigger checkpoint_cosignature_no_truncate before truncate on checkpoint_cosignature
  for each statement execute function gridproof_reject_change();
