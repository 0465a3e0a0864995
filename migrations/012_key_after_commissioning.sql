-- A device key is valid from its device's commissioning date (00:00 UTC) on,
-- never earlier: a meter that did not exist signed nothing, and a key reaching
-- back before it would let readings of that time into the log. The use cases
-- check this first (src/domain/key-rules.ts); the database refuses it for any
-- client, SQLSTATE GP006. Rows already stored are not re-examined: they are
-- part of an append-only log, and the monitor reports them.
create function gridproof_key_after_commissioning() returns trigger
language plpgsql as $$
declare
  commissioned date;
begin
  if new.subject_type <> 'device' then
    return new;
  end if;
  select commissioning_date into commissioned from device where id = new.device_id;
  if commissioned is not null and new.valid_from < (commissioned::timestamp at time zone 'UTC') then
    raise exception 'gridproof: key entry % is valid from %, before device % was commissioned on %',
      new.entry_idx, new.valid_from, new.device_id, commissioned
      using errcode = 'GP006';
  end if;
  return new;
end;
$$;
create trigger key_entry_after_commissioning before insert on key_entry
  for each row execute function gridproof_key_after_commissioning();
