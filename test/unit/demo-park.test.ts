/**
 * The demo park model (src/cli/demo/park.ts) on the real demo data: sizes,
 * peaks, the tenants' profiles, the battery's physics, and the property a
 * resumed demo relies on — a shorter park is exactly the start of a longer one.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { BATTERY, buildPark, deviceBody, HOUR_MS, localTime, parseHours, SOLAR_PEAK_WH, WIND_PEAK_WH, type ParkDevice } from '../../src/cli/demo/park.ts';

const csv = readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8');
const rows = parseHours(csv);
const year = buildPark(rows, 365);
const device = (id: string): ParkDevice => year.devices.find((d) => d.id === id)!;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

t.test('the data: a whole year of consecutive hours', async (t) => {
  t.equal(rows.length, 8760);
  t.equal(new Date(rows[0]!.startMs).toISOString(), '2018-12-31T23:00:00.000Z');
  t.equal(year.hours, 8760);
  t.equal(year.fromMs, rows[0]!.startMs);
  t.throws(() => parseHours(csv.replace('2019-01-01T00:00:00Z', '2019-01-01T01:00:00Z')), /does not follow/);
  t.throws(() => parseHours('a,b\n1,2'), /header/);
});

t.test('a park: two generators with a battery, three tenants, one PPA', async (t) => {
  t.same(year.participants.map((p) => p.role).sort(), ['generator', 'generator', 'tenant', 'tenant', 'tenant']);
  t.same(year.devices.map((d) => d.type).sort(), ['consumption', 'consumption', 'consumption', 'solar', 'storage', 'wind']);
  for (const d of year.devices) {
    t.ok(
      year.participants.some((p) => p.id === d.owner && p.role === (d.type === 'consumption' ? 'tenant' : 'generator')),
      `${d.id} belongs to a participant of its role`,
    );
    t.equal(d.importWh.length, 8760);
    t.equal(d.exportWh.length, 8760);
    t.ok(
      [...d.importWh, ...d.exportWh].every((wh) => Number.isInteger(wh) && wh >= 0),
      `${d.id}: whole, non-negative Wh`,
    );
    t.ok(
      [...d.importWh, ...d.exportWh].every((wh) => wh <= d.capacityW),
      `${d.id}: no hour above its capacity`,
    );
    t.notOk('importWh' in deviceBody(d), 'the device entry carries no series');
  }
  t.equal(Math.max(...device('wind-farm').exportWh), WIND_PEAK_WH, 'the windiest hour of 2019 is the farm at its peak');
  t.equal(Math.max(...device('solar-field').exportWh), SOLAR_PEAK_WH);
  t.ok(
    device('solar-field')
      .exportWh.slice(0, 7)
      .every((wh) => wh === 0),
    'no sun around midnight of new year',
  );
  const contract = year.contract;
  t.equal(device(contract.device).type, 'wind');
  t.ok(year.participants.some((p) => p.id === contract.tenant && p.role === 'tenant'));
});

t.test('three different load profiles', async (t) => {
  const flat = device('datacentre-meter').importWh;
  const shift = device('factory-meter').importWh;
  const follow = device('electrolyser-meter').importWh;
  t.equal(new Set(flat).size, 1, 'the data centre is flat');
  t.ok(new Set(follow).size > 1000, 'the electrolyser follows the national load');
  shift.forEach((wh, h) => {
    const { hour, weekday } = localTime(year.fromMs + h * HOUR_MS);
    if (!(weekday && hour >= 6 && hour < 18) && wh !== 150_000) t.fail(`factory at ${h}: ${wh} outside its shift`);
  });
  t.ok(
    shift.some((wh) => wh > 1_000_000),
    'the factory works',
  );
  // 2019-03-31 01:00Z is 03:00 CEST; 2019-01-01 00:00Z is 01:00 CET on a Tuesday; 2019-01-05 is a Saturday.
  t.same(localTime(Date.parse('2019-03-31T01:00:00Z')), { hour: 3, weekday: false });
  t.same(localTime(Date.parse('2019-01-01T00:00:00Z')), { hour: 1, weekday: true });
  t.same(localTime(Date.parse('2019-01-05T10:00:00Z')), { hour: 11, weekday: false });
});

t.test('the battery charges from surplus, discharges into deficit, within power and energy', async (t) => {
  const battery = device('battery');
  t.equal(battery.energyCapacityWh, String(BATTERY.capacityWh));
  let held = 0;
  let charged = 0;
  let discharged = 0;
  for (let h = 0; h < year.hours; h++) {
    const supply = device('wind-farm').exportWh[h]! + device('solar-field').exportWh[h]!;
    const demand = ['datacentre-meter', 'factory-meter', 'electrolyser-meter'].reduce((s, id) => s + device(id).importWh[h]!, 0);
    const [charge, discharge] = [battery.importWh[h]!, battery.exportWh[h]!];
    if (charge > 0 && discharge > 0) t.fail(`hour ${h}: charges and discharges at once`);
    if (charge > Math.max(0, supply - demand) || charge > BATTERY.powerWh) t.fail(`hour ${h}: charges ${charge} beyond the surplus or its power`);
    if (discharge > Math.max(0, demand - supply) || discharge > BATTERY.powerWh) t.fail(`hour ${h}: discharges ${discharge} beyond the deficit or its power`);
    held += Math.floor((charge * BATTERY.efficiencyBp) / 10000) - discharge;
    if (held < 0 || held > BATTERY.capacityWh || held !== year.batteryHeldWh[h]) t.fail(`hour ${h}: holds ${held}`);
    charged += charge;
    discharged += discharge;
  }
  t.ok(charged > 0 && discharged > 0, `it is used (charged ${charged} Wh, discharged ${discharged} Wh)`);
  t.ok(discharged <= (charged * BATTERY.efficiencyBp) / 10000, 'never gives back more than it kept');
});

t.test('a shorter park is the start of a longer one (what a resumed demo signs)', async (t) => {
  const week = buildPark(rows, 7);
  t.equal(week.hours, 168);
  for (const d of week.devices) {
    const long = device(d.id);
    t.same(d.importWh, long.importWh.slice(0, 168), `${d.id} import`);
    t.same(d.exportWh, long.exportWh.slice(0, 168), `${d.id} export`);
  }
  t.same(buildPark(rows, 7), week, 'the same park every time');
  t.throws(() => buildPark(rows, 0));
  t.equal(sum(buildPark(rows, 400).devices[0]!.exportWh), sum(device('wind-farm').exportWh), 'no more than the data holds');
});
