/**
 * The Generator page: sign in with the owner's token, see its devices (chain
 * head, reading count) and, per device and chosen period, where each hour's
 * output went — to which tenants' sink readings, to storage, unmatched — as
 * the settlements record it (GET /v1/devices/{id}/outputs).
 */
import { hourlyPlot, plotWidth } from '../dom/hourly-plot.ts';
import { hourlyTable } from '../dom/hourly-table.ts';
import { addDays, periodForm, withSession, type Session } from '../dom/session.ts';
import { el, errorBox, facts, getJson } from '../dom/ui.ts';
import { outputSeries, type DeviceOutputs } from '../model/hourly-views.ts';

interface Device {
  id: string;
  type: string;
  zone: string;
  capacityW: number;
  technology: string | null;
  commissioningDate: string;
  readings: number;
  head: { seq: number; index: number; leafHash: string; end: string } | null;
}

function outputsView(session: Session, device: Device, target: HTMLElement, from: string, to: string): void {
  target.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  getJson<DeviceOutputs>(`/v1/devices/${encodeURIComponent(device.id)}/outputs?from=${from}&to=${to}`, { token: session.token })
    .then((outputs) => {
      const series = outputSeries(outputs, from, to);
      const plot = hourlyPlot(series, plotWidth(target), { source: '', line: 'exported' });
      plot.dataset.points = String(series.hours.length);
      target.replaceChildren(
        el('p', { class: 'hint' }, 'Bars: where each hour’s output went, stacked; line: the energy exported (all times UTC).'),
        plot,
        el('h3', {}, 'Hour by hour'),
        hourlyTable(`outputs-${device.id}`, series, 'exported'),
      );
    })
    .catch((error: unknown) => target.replaceChildren(errorBox(error)));
}

function deviceCard(session: Session, device: Device): HTMLElement {
  const outputs = el('div', { class: 'outputs' });
  const card = el(
    'section',
    { class: 'panel device', 'data-device': device.id },
    el('h2', {}, device.id),
    facts([
      ['Type', `${device.type}${device.technology ? ` (${device.technology})` : ''}`],
      ['Zone', device.zone],
      ['Capacity', `${(device.capacityW / 1e6).toLocaleString('en')} MW`],
      ['Commissioned', device.commissioningDate],
      ['Readings', el('span', { class: 'readings' }, device.readings.toLocaleString('en'))],
      [
        'Chain head',
        device.head
          ? el('span', {}, `seq ${device.head.seq}, entry ${device.head.index}, ending ${device.head.end} `, el('code', {}, device.head.leafHash))
          : 'no readings yet',
      ],
    ]),
  );
  if (device.head && device.type !== 'consumption') {
    const last = device.head.end.slice(11) === '00:00:00Z' ? addDays(device.head.end.slice(0, 10), -1) : device.head.end.slice(0, 10);
    const first = addDays(last, -6);
    const show = (from: string, to: string) => outputsView(session, device, outputs, from, to);
    card.append(el('h3', {}, 'Where the output went'), periodForm(`period-${device.id}`, first, last, show), outputs);
    show(`${first}T00:00:00Z`, `${addDays(last, 1)}T00:00:00Z`);
  }
  return card;
}

function signedIn(session: Session, body: HTMLElement): void {
  body.replaceChildren(el('p', { class: 'muted' }, 'Loading your devices…'));
  getJson<{ devices: Device[] }>(`/v1/generators/${encodeURIComponent(session.id)}/devices`, { token: session.token })
    .then(({ devices }) => {
      body.replaceChildren(
        el('h2', {}, 'Your devices'),
        devices.length === 0
          ? el('p', { class: 'muted' }, 'No devices registered.')
          : el('div', { id: 'devices' }, ...devices.map((d) => deviceCard(session, d))),
      );
    })
    .catch((error: unknown) => body.replaceChildren(errorBox(error)));
}

withSession(
  'Your devices and their output',
  'generator',
  'Sign in with the token the operator gave you to see your devices, their chains and where each hour’s output went.',
  signedIn,
);
