-- A settlement names each of its sink readings once, in a sorted `sinks`
-- list, and an allocation names its sink by position in it; an allocation's
-- rule is told by whether it names a contract. A year of the benchmark park's
-- settlements shrinks from about 14 KB each to about 6 KB, and signing,
-- hashing, sending and storing them shrink with it (README "Settlements").
-- The tables are unchanged: they hold entry indexes, not the payload's form.
--
-- The log is immutable, so a log that already holds settlements of the
-- earlier form cannot be carried over: refuse, and say so.
do $$
begin
  if exists (select 1 from entry where kind = 'settlement' and position('"sinks":' in convert_from(bytes, 'UTF8')) = 0) then
    raise exception 'gridproof: this log holds settlements of the earlier format (a sink leaf hash in every allocation); start a new log'
      using errcode = 'GP004';
  end if;
end;
$$;
