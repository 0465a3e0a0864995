-- Where the late-supply pass (docs/design.md §5, src/ledger/matching/run.ts
-- settleLateSupply) starts reading the log. That pass ends every matching run
-- under the head lock, so intake waits for it, and it scanned every supply
-- reading at or before its zone's last matched interval and looked each up in
-- settled_source: its cost grew with the log's history, not with what had
-- arrived since the last pass. Measured on a year of hourly readings of six
-- devices, four of them supply (52,704 readings, 61,494 entries, every hour
-- matched and settled), the query in its own transaction, medians of 15, on
-- 2 cores at load 7: PostgreSQL 15 24–34 ms a pass over the whole history,
-- 1.7–2.5 ms from a watermark one hour back (1.6–2.0 ms with nothing to read:
-- the transaction and the frontier); PGlite 45–76 ms, against 7–9 ms (5–8 ms
-- with nothing to read). The pass from watermark 0 costs what the old one did
-- (PostgreSQL 23–29 ms, PGlite 43–54 ms).
--
-- The pass keeps one invariant: every supply reading (wind, solar, storage,
-- export_wh > 0) that is due, its start at or before its zone's last matched
-- interval, and whose index is below the watermark, is settled. Due only
-- grows (a zone's last matched interval never moves back), so a pass need
-- read only the readings from the watermark on.
--
-- The watermark is NOT the log size at the last pass. A zone's last matched
-- interval can pass an hour that was never matched: a run plans its windows
-- from the intervals pending before it takes the lock, and a reading for an
-- earlier hour that had no readings may be logged meanwhile, so that reading
-- becomes due without ever being in a window; only a late pass settles it,
-- perhaps a pass after another one that had already run when the reading was
-- not yet due (test/db/late-supply-skipped-interval.test.ts). So a pass sets
-- the watermark to the log size it read under the lock, or to the index of the
-- first supply reading from the old watermark on that is still unsettled and
-- not yet due, whichever is smaller: every due reading below it is settled by
-- then. A later pass reads that reading again and settles it once it is due,
-- if a matching window has not settled it first. A reading not due for long
-- (its zone never matched, or matching far behind) holds the watermark there,
-- and each pass reads from it on: never more than the whole history that every
-- pass read before.
--
-- Inserted at 0: the first pass after this migration reads the whole log once,
-- as before, and so needs no history to be trusted.
create table late_supply_pass (
  singleton boolean primary key default true check (singleton),
  watermark bigint not null default 0 check (watermark >= 0)
);
insert into late_supply_pass (singleton, watermark) values (true, 0);

-- The watermark only rises: a lower one would not make a pass wrong, only
-- slower, but a write that lowers it is a bug (it reads another pass's state,
-- or an older one) that should stop the pass, not hide. SQLSTATE GP008.
create function gridproof_watermark_rises() returns trigger
language plpgsql as $$
begin
  if new.watermark < old.watermark then
    raise exception 'gridproof: the late-supply watermark cannot move back from % to %', old.watermark, new.watermark
      using errcode = 'GP008';
  end if;
  return new;
end;
$$;
create trigger late_supply_pass_rises before update on late_supply_pass
  for each row execute function gridproof_watermark_rises();
create trigger late_supply_pass_no_delete before delete on late_supply_pass
  for each row execute function gridproof_reject_change();
create trigger late_supply_pass_no_truncate before truncate on late_supply_pass
  for each statement execute function gridproof_reject_change();
