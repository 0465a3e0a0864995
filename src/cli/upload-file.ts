/**
 * The readings file `gridproof upload` reads: CSV with the header
 * `device,start,end,importWh,exportWh`, or NDJSON (one reading object a
 * line), all of one device. A row that cannot be a reading is refused with
 * its line number before anything is signed; the server's schema
 * (schemas/entries/) still has the last word on each reading.
 */
import { GridproofError } from '../errors.ts';

export interface FileReading {
  device: string;
  start: string;
  end: string;
  importWh: string;
  exportWh: string;
  /** 1-based line in the file, for messages. */
  line: number;
  startMs: number;
  endMs: number;
}

const COLUMNS = ['device', 'start', 'end', 'importWh', 'exportWh'] as const;
/** Times as the entry schema writes them: whole seconds, UTC. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const WH = /^(0|[1-9]\d*)$/;

function refuse(file: string, line: number, why: string): never {
  throw new GridproofError('bad-request', `${file}:${line}: ${why}`);
}

function reading(file: string, line: number, fields: Record<string, unknown>): FileReading {
  for (const name of COLUMNS) {
    if (typeof fields[name] !== 'string' || fields[name] === '') refuse(file, line, `${name} is missing or not a string`);
  }
  const { device, start, end, importWh, exportWh } = fields as Record<(typeof COLUMNS)[number], string>;
  const startMs = INSTANT.test(start) ? Date.parse(start) : NaN;
  const endMs = INSTANT.test(end) ? Date.parse(end) : NaN;
  if (Number.isNaN(startMs)) refuse(file, line, `start ${JSON.stringify(start)} is not a time like 2026-01-01T00:00:00Z`);
  if (Number.isNaN(endMs)) refuse(file, line, `end ${JSON.stringify(end)} is not a time like 2026-01-01T01:00:00Z`);
  if (endMs <= startMs) refuse(file, line, 'end is not after start');
  for (const [name, value] of [
    ['importWh', importWh],
    ['exportWh', exportWh],
  ] as const) {
    if (!WH.test(value)) refuse(file, line, `${name} ${JSON.stringify(value)} is not a whole number of Wh`);
  }
  return { device, start, end, importWh, exportWh, line, startMs, endMs };
}

function parseCsv(file: string, lines: string[]): FileReading[] {
  const header = lines[0]!
    .trim()
    .split(',')
    .map((h) => h.trim());
  if (header.join(',') !== COLUMNS.join(',')) refuse(file, 1, `the header must be ${COLUMNS.join(',')}`);
  const readings: FileReading[] = [];
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === '') continue;
    const cells = text.split(',').map((c) => c.trim());
    if (cells.length !== COLUMNS.length) refuse(file, i + 1, `expected ${COLUMNS.length} columns, found ${cells.length}`);
    readings.push(reading(file, i + 1, Object.fromEntries(COLUMNS.map((name, c) => [name, cells[c]]))));
  }
  return readings;
}

function parseNdjson(file: string, lines: string[]): FileReading[] {
  const readings: FileReading[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      refuse(file, i + 1, 'not a JSON object');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(file, i + 1, 'not a JSON object');
    readings.push(reading(file, i + 1, value as Record<string, unknown>));
  });
  return readings;
}

/** The file's readings sorted by start: one device, no overlaps. */
export function parseReadings(file: string, content: string): FileReading[] {
  const lines = content.split(/\r?\n/);
  const readings = lines[0]!.trimStart().startsWith('{') ? parseNdjson(file, lines) : parseCsv(file, lines);
  if (readings.length === 0) throw new GridproofError('bad-request', `${file}: no readings`);
  const device = readings[0]!.device;
  const other = readings.find((r) => r.device !== device);
  if (other) refuse(file, other.line, `device ${other.device} differs from ${device} (line ${readings[0]!.line}): upload one device per file`);
  readings.sort((a, b) => a.startMs - b.startMs);
  for (let i = 1; i < readings.length; i++) {
    if (readings[i]!.startMs < readings[i - 1]!.endMs) refuse(file, readings[i]!.line, `overlaps the reading on line ${readings[i - 1]!.line}`);
  }
  return readings;
}
