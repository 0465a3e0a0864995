-- TRUNCATE fires no row triggers: the projections' append-only triggers
-- (002-004) did not stop `truncate reading cascade` or `truncate participant
-- cascade`, which wiped devices, keys and readings (and so let a used
-- (device, seq) be taken again). Every append-only table refuses it, as the
-- log's own tables do (001).
create trigger participant_no_truncate before truncate on participant
  for each statement execute function gridproof_reject_change();
create trigger device_no_truncate before truncate on device
  for each statement execute function gridproof_reject_change();
create trigger key_entry_no_truncate before truncate on key_entry
  for each statement execute function gridproof_reject_change();
create trigger zone_no_truncate before truncate on zone
  for each statement execute function gridproof_reject_change();
create trigger contract_no_truncate before truncate on contract
  for each statement execute function gridproof_reject_change();
create trigger reading_no_truncate before truncate on reading
  for each statement execute function gridproof_reject_change();
create trigger allocation_no_truncate before truncate on allocation
  for each statement execute function gridproof_reject_change();
create trigger allocation_draw_no_truncate before truncate on allocation_draw
  for each statement execute function gridproof_reject_change();
create trigger settlement_no_truncate before truncate on settlement
  for each statement execute function gridproof_reject_change();
create trigger matched_interval_no_truncate before truncate on matched_interval
  for each statement execute function gridproof_reject_change();
create trigger claim_no_truncate before truncate on claim
  for each statement execute function gridproof_reject_change();
create trigger claim_allocation_no_truncate before truncate on claim_allocation
  for each statement execute function gridproof_reject_change();
