-- Readings: one per device and interval, chained by seq (DESIGN.md "reading").
create table reading (
  entry_idx bigint primary key references entry (idx),
  device_id text not null references device (id),
  seq bigint not null check (seq >= 0),
  start_at timestamptz not null,
  end_at timestamptz not null,
  import_wh bigint not null check (import_wh >= 0),
  export_wh bigint not null check (export_wh >= 0),
  check (end_at > start_at),
  -- A replay at a used (device, seq) can never be stored twice.
  unique (device_id, seq),
  -- Nor two readings of one device for the same interval start.
  unique (device_id, start_at)
);
create index reading_interval on reading (start_at);
create trigger reading_append_only before update or delete on reading
  for each row execute function gridproof_reject_change();
