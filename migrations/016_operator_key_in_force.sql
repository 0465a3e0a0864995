-- Operator key rotation (docs/design.md §2.2, README "Rotating the operator
-- key"): a `key` entry for the operator, signed by the log key, replaces the
-- operator key from its index on. An entry the operator signs must then carry
-- the key in force at its index, never the key rotated out, whichever process
-- or client appends it.
--
-- SQL cannot check an Ed25519 signature, but a C2SP signature line starts
-- with the signer's key ID (the first 4 bytes of SHA-256 over the key's name
-- and public key), and a verifier key spells the same ID in hex
-- (`<name>+<key ID>+<key>`). Comparing the two refuses an entry signed by any
-- other key than the one in force, SQLSTATE GP007; the service and every
-- verifier check the signature itself.
--
-- The rule runs at COMMIT (a deferred constraint trigger), when the key_entry
-- projections written in the same transaction exist: entry 0 and the
-- operator's participant entry go in together, before entry 0's projection.
-- Readings (signed by device keys) are not queued at all. A log with no
-- operator key projected yet has nothing to compare with and is not judged.

create index key_entry_operator on key_entry (entry_idx) where subject_type = 'operator';

-- The key ID of an entry's one signature line, "— <name> <base64(key ID ‖
-- signature)>\n" with 68 bytes behind the base64 (92 characters); null when
-- the bytes do not end in such a line.
create function gridproof_signature_key_id(note bytea) returns bytea
language plpgsql immutable as $$
declare
  n integer := octet_length(note);
  signature text;
begin
  if n < 95 or get_byte(note, n - 1) <> 10 or get_byte(note, n - 94) <> 32 then
    return null;
  end if;
  -- 'escape' never fails: a byte outside ASCII becomes \ooo, which the pattern refuses.
  signature := encode(substring(note from n - 92 for 92), 'escape');
  if signature !~ '^[A-Za-z0-9+/]{91}=$' then
    return null;
  end if;
  return substring(decode(signature, 'base64') from 1 for 4);
end;
$$;

create function gridproof_operator_entry_key() returns trigger
language plpgsql as $$
declare
  signed_by bytea := gridproof_signature_key_id(new.bytes);
  expected bytea;
  key_idx bigint;
  key_text text;
  signer text;
begin
  if new.kind = 'key' and position(convert_to('"subjectType":"operator"', 'UTF8') in new.bytes) > 0 then
    -- Entry 0 and every rotation are signed by the log key, which signed entry 0.
    if new.idx = 0 then
      return null;
    end if;
    select gridproof_signature_key_id(bytes) into expected from entry where idx = 0;
    signer := 'the log key that signed entry 0';
  else
    select entry_idx, verifier_key into key_idx, key_text
      from key_entry
     where subject_type = 'operator' and entry_idx < new.idx
     order by entry_idx desc
     limit 1;
    if not found then
      return null;
    end if;
    expected := decode(split_part(key_text, '+', 2), 'hex');
    signer := format('the operator key of entry %s', key_idx);
  end if;
  if signed_by is null or signed_by <> expected then
    raise exception 'gridproof: entry % (%) is not signed by %', new.idx, new.kind, signer
      using errcode = 'GP007';
  end if;
  return null;
end;
$$;

create constraint trigger entry_operator_key after insert on entry
  deferrable initially deferred
  for each row when (new.kind <> 'reading')
  execute function gridproof_operator_entry_key();
