-- The verdict of the strict key check for each device key (docs/design.md §4).
--
-- The intake's workers verify readings without checking the key's point
-- (small order, torsion): in @noble/ed25519 that check costs about 860 µs, ten
-- verifications (docs/design.md §10). So each key is checked once and its
-- verdict kept here: at registration, which refuses keys that fail, and, for
-- keys logged before this migration (some by builds from before keys had to
-- lie in the prime-order subgroup), when the intake first loads them. Kept
-- in the database rather than in a process, because a fleet of four million
-- meters would otherwise pay about an hour of CPU after every restart
-- (4·10⁶ × 860 µs), most of it in the first interval, when every meter
-- posts; after this migration it pays that once.
--
-- A verdict is a pure function of the key under today's key rule, so a row
-- never changes; two processes checking the same key insert the same
-- verdict. Should the rule ever be tightened, these verdicts no longer hold:
-- that change must start a new table, not reuse this one.
create table key_point_check (
  entry_idx bigint primary key references key_entry (entry_idx),
  passed boolean not null
);
create trigger key_point_check_append_only before update or delete on key_point_check
  for each row execute function gridproof_reject_change();
create trigger key_point_check_no_truncate before truncate on key_point_check
  for each statement execute function gridproof_reject_change();
