-- The gapless rule of 001 checked once per INSERT statement instead of once
-- per row (it cost about as much as the insert itself): the new indexes
-- must be consecutive and start right after the previous last entry. With
-- the primary key this is the same invariant.
drop trigger entry_gapless on entry;
drop function gridproof_entry_next_index();

create function gridproof_entries_gapless() returns trigger
language plpgsql as $$
declare
  first_new bigint;
  last_new bigint;
  added bigint;
begin
  select min(idx), max(idx), count(*) into first_new, last_new, added from new_entries;
  if added = 0 then
    return null;
  end if;
  if last_new - first_new + 1 <> added
     or (first_new > 0 and not exists (select 1 from entry where idx = first_new - 1))
     or exists (select 1 from entry where idx > last_new) then
    raise exception 'gridproof: entry indexes % to % are not the next indexes', first_new, last_new
      using errcode = 'GP002';
  end if;
  return null;
end;
$$;

create trigger entry_gapless after insert on entry
  referencing new table as new_entries
  for each statement execute function gridproof_entries_gapless();
