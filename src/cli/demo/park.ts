/**
 * The demo park: German national hourly wind, solar and load of 2019
 * (demo/de-2019-hourly.csv, see demo/PROVENANCE.md) scaled down to one
 * industrial park — a wind farm, a solar field, a battery, three tenants with
 * different load profiles, one PPA and a zone factor. Pure: the CSV text in,
 * the devices and their hourly Wh out, so the same park is built every time
 * (a re-run signs the same bytes and the service sees duplicates).
 */

export const HOUR_MS = 3_600_000;
export const ZONE = 'DE-LU';
/**
 * An illustrative grid factor for the unmatched part, of the order of
 * Germany's 2019 electricity mix; not a published figure.
 */
export const ZONE_G_CO2_PER_KWH = 400;

export interface HourRow {
  startMs: number;
  windMWh: number;
  solarMWh: number;
  loadMWh: number;
}

export type DeviceType = 'wind' | 'solar' | 'storage' | 'consumption';

export interface ParkParticipant {
  id: string;
  role: 'generator' | 'tenant';
  name: string;
  country: 'DE';
}

export interface ParkDevice {
  id: string;
  owner: string;
  type: DeviceType;
  capacityW: number;
  eecsEnergySource?: string;
  eecsTechnology?: string;
  energyCapacityWh?: string;
  efficiencyBp?: number;
  /** Per hour of the park, in Wh. */
  importWh: number[];
  exportWh: number[];
}

export interface ParkContract {
  id: string;
  device: string;
  tenant: string;
  priority: number;
  shareBp: number;
}

export interface Park {
  /** Start of the first hour, in ms since the epoch. */
  fromMs: number;
  hours: number;
  participants: ParkParticipant[];
  devices: ParkDevice[];
  contract: ParkContract;
  /** The battery's stored energy after each hour, in Wh (for the tests and the README). */
  batteryHeldWh: number[];
}

export const WIND_PEAK_WH = 20_000_000;
export const SOLAR_PEAK_WH = 10_000_000;
export const BATTERY = { capacityWh: 8_000_000, powerWh: 4_000_000, efficiencyBp: 9000 };
const COMMISSIONED = '2018-06-01';

/** Parses `utc_timestamp,wind_mwh,solar_mwh,load_mwh`; refuses gaps, so hour h is always row h. */
export function parseHours(csv: string): HourRow[] {
  const lines = csv.trim().split('\n');
  if (lines[0]?.trim() !== 'utc_timestamp,wind_mwh,solar_mwh,load_mwh') throw new Error('demo data: unexpected header');
  const rows = lines.slice(1).map((line, i) => {
    const [ts, wind, solar, load] = line.split(',');
    const row = { startMs: Date.parse(ts ?? ''), windMWh: Number(wind), solarMWh: Number(solar), loadMWh: Number(load) };
    if (![row.startMs, row.windMWh, row.solarMWh, row.loadMWh].every(Number.isFinite)) throw new Error(`demo data: bad row ${i + 2}`);
    return row;
  });
  rows.forEach((row, i) => {
    if (i > 0 && row.startMs !== rows[i - 1]!.startMs + HOUR_MS) throw new Error(`demo data: row ${i + 2} does not follow the previous hour`);
  });
  return rows;
}

/** Integer Wh: `value` scaled so that the year's largest value becomes `peakWh`. */
const scale = (value: number, max: number, peakWh: number): number => (max === 0 ? 0 : Math.floor((value * peakWh) / max));

const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: 'numeric', weekday: 'short', hourCycle: 'h23' });

/** The local (German) hour and whether it is a working day, for the shift profile. */
export function localTime(ms: number): { hour: number; weekday: boolean } {
  let hour = 0;
  let weekday = true;
  for (const part of berlin.formatToParts(ms)) {
    if (part.type === 'hour') hour = Number(part.value);
    if (part.type === 'weekday') weekday = part.value !== 'Sat' && part.value !== 'Sun';
  }
  return { hour, weekday };
}

/**
 * The park over the first `days` days of `rows`. Peaks are taken over all of
 * `rows` (the whole year), so a week of the demo is that week of the year.
 */
export function buildPark(rows: readonly HourRow[], days: number): Park {
  const hours = Math.min(rows.length, days * 24);
  if (!Number.isInteger(days) || days < 1 || hours < 1) throw new Error('days must be a whole number ≥ 1');
  const maxWind = Math.max(...rows.map((r) => r.windMWh));
  const maxSolar = Math.max(...rows.map((r) => r.solarMWh));
  const maxLoad = Math.max(...rows.map((r) => r.loadMWh));
  const span = rows.slice(0, hours);
  const zeros = () => span.map(() => 0);

  const wind: ParkDevice = {
    id: 'wind-farm',
    owner: 'nordwind',
    type: 'wind',
    capacityW: WIND_PEAK_WH,
    eecsEnergySource: 'F01050100',
    eecsTechnology: 'T020001',
    importWh: zeros(),
    exportWh: span.map((r) => scale(r.windMWh, maxWind, WIND_PEAK_WH)),
  };
  const solar: ParkDevice = {
    id: 'solar-field',
    owner: 'sonnenfeld',
    type: 'solar',
    capacityW: SOLAR_PEAK_WH,
    eecsEnergySource: 'F01010100',
    eecsTechnology: 'T010000',
    importWh: zeros(),
    exportWh: span.map((r) => scale(r.solarMWh, maxSolar, SOLAR_PEAK_WH)),
  };
  const tenants: ParkDevice[] = [
    // A data centre: flat, 3 MWh every hour.
    { id: 'datacentre-meter', owner: 'datacentre', type: 'consumption', capacityW: 10_000_000, importWh: span.map(() => 3_000_000), exportWh: zeros() },
    // A factory on a day shift: 06:00–18:00 German time on working days, following the national load shape.
    {
      id: 'factory-meter',
      owner: 'factory',
      type: 'consumption',
      capacityW: 10_000_000,
      exportWh: zeros(),
      importWh: span.map((r) => {
        const { hour, weekday } = localTime(r.startMs);
        return weekday && hour >= 6 && hour < 18 ? scale(r.loadMWh, maxLoad, 6_000_000) : 150_000;
      }),
    },
    // An electrolyser that follows the national load shape, 4 MWh at the year's peak.
    {
      id: 'electrolyser-meter',
      owner: 'hydrogen',
      type: 'consumption',
      capacityW: 10_000_000,
      importWh: span.map((r) => scale(r.loadMWh, maxLoad, 4_000_000)),
      exportWh: zeros(),
    },
  ];
  const { battery, held } = dispatchBattery(wind, solar, tenants);
  return {
    fromMs: span[0]!.startMs,
    hours,
    participants: [
      { id: 'nordwind', role: 'generator', name: 'Nordwind Park GmbH', country: 'DE' },
      { id: 'sonnenfeld', role: 'generator', name: 'Sonnenfeld Solar GmbH', country: 'DE' },
      { id: 'datacentre', role: 'tenant', name: 'Rechenzentrum Nord AG', country: 'DE' },
      { id: 'factory', role: 'tenant', name: 'Stahlwerk Süd GmbH', country: 'DE' },
      { id: 'hydrogen', role: 'tenant', name: 'H2 Elektrolyse KG', country: 'DE' },
    ],
    devices: [wind, solar, battery, ...tenants],
    // The factory's PPA: 60 % of the wind farm's output, served before the pool.
    contract: { id: 'ppa-factory-wind', device: 'wind-farm', tenant: 'factory', priority: 0, shareBp: 6000 },
    batteryHeldWh: held,
  };
}

/** The battery (Nordwind's): charges from the surplus, discharges into the deficit, within power and energy. */
function dispatchBattery(wind: ParkDevice, solar: ParkDevice, tenants: readonly ParkDevice[]): { battery: ParkDevice; held: number[] } {
  const hours = wind.exportWh.length;
  const importWh = new Array<number>(hours).fill(0);
  const exportWh = new Array<number>(hours).fill(0);
  const held: number[] = [];
  let stored = 0;
  for (let h = 0; h < hours; h++) {
    const supply = wind.exportWh[h]! + solar.exportWh[h]!;
    const demand = tenants.reduce((sum, t) => sum + t.importWh[h]!, 0);
    if (supply > demand) {
      const room = Math.floor(((BATTERY.capacityWh - stored) * 10000) / BATTERY.efficiencyBp);
      const charge = Math.min(supply - demand, BATTERY.powerWh, room);
      importWh[h] = charge;
      stored += Math.floor((charge * BATTERY.efficiencyBp) / 10000);
    } else {
      const discharge = Math.min(demand - supply, BATTERY.powerWh, stored);
      exportWh[h] = discharge;
      stored -= discharge;
    }
    held.push(stored);
  }
  const battery: ParkDevice = {
    id: 'battery',
    owner: 'nordwind',
    type: 'storage',
    capacityW: BATTERY.powerWh,
    eecsEnergySource: 'F01050100',
    eecsTechnology: 'T070000',
    energyCapacityWh: String(BATTERY.capacityWh),
    efficiencyBp: BATTERY.efficiencyBp,
    importWh,
    exportWh,
  };
  return { battery, held };
}

/** The device entry's body for POST /v1/devices (without its verifier key). */
export function deviceBody(device: ParkDevice): Record<string, unknown> {
  const { importWh: _i, exportWh: _e, ...facts } = device;
  return { ...facts, country: 'DE', biddingZone: ZONE, commissioningDate: COMMISSIONED, connection: 'park-grid', support: 'none' };
}

export const isoHour = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
