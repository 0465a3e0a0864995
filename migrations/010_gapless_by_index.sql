-- 006's gapless check asked whether any entry lies beyond the new ones with
-- `exists (select 1 from entry where idx > last_new)`. PL/pgSQL plans its
-- queries once per session, generically: with the bound unknown, the planner
-- expects a third of the table to match and reads all of it. A benchmark log
-- of 270,000 entries spent 34 ms on that scan in every INSERT into entry,
-- more than the insert itself (auto_explain). The last index, read backwards
-- from the primary key, answers the same question in one probe whatever the
-- statistics say. The rule is unchanged: the new indexes are consecutive,
-- follow the previous last entry, and nothing lies beyond them.
create or replace function gridproof_entries_gapless() returns trigger
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
     or (select e.idx from entry e order by e.idx desc limit 1) <> last_new then
    raise exception 'gridproof: entry indexes % to % are not the next indexes', first_new, last_new
      using errcode = 'GP002';
  end if;
  return null;
end;
$$;
