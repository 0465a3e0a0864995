-- The reading interval a log was started with. Matching keys intervals by
-- their start, so a log must never mix 15- and 60-minute readings: a process
-- configured with another GRIDPROOF_INTERVAL refuses to start.
create table log_setting (
  singleton boolean primary key default true check (singleton),
  interval_seconds integer not null check (interval_seconds in (900, 3600))
);
create trigger log_setting_append_only before update or delete on log_setting
  for each row execute function gridproof_reject_change();
