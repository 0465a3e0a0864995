/**
 * The CBAM rule (docs/exports.md "CBAM view") in one place: what it counts
 * claimed energy as, the energy it takes out of the PPA line, and the
 * certificate's note explaining that, which appears exactly when the rule
 * does so: for the test park's PPA on the park's own grid, not when the
 * same device is on the public grid.
 */
import t from 'tap';
import { cbamBasis, cbamView } from '../../src/domain/bundle/facts-cbam.ts';
import type { FactHour } from '../../src/domain/bundle/facts-types.ts';
import { verifyWithFacts } from '../../src/domain/bundle/verified.ts';
import { certificateHtml, ppaNote } from '../../src/domain/certificate/certificate-html.ts';
import { cutBundle, LOG_KEY, payloadsOf, writePark } from '../helpers/bundle-park.ts';

const hour: FactHour = {
  start: '2025-01-01T00:00:00Z',
  end: '2025-01-01T01:00:00Z',
  consumedWh: '1000',
  matchedWh: '0',
  cfeScore: 0,
  gCO2PerKWh: 400,
  sources: [],
};

t.test('the rule: the park grid is a direct technical link, contract or not; the public grid is PPA energy only under a contract', async (t) => {
  t.equal(cbamBasis('park-grid', false), 'direct-technical-link');
  t.equal(cbamBasis('park-grid', true), 'direct-technical-link');
  t.equal(cbamBasis('public-grid', true), 'ppa');
  t.equal(cbamBasis('public-grid', false), 'grid');
});

t.test('the view lists contract energy the rule does not count as PPA, and only that', async (t) => {
  const start = hour.start;
  const view = cbamView(
    [hour],
    [
      { start, device: 'wind-1', connection: 'park-grid', ppa: 'ppa-1', wh: 300n },
      { start, device: 'wind-1', connection: 'park-grid', ppa: 'ppa-1', wh: 20n },
      { start, device: 'wind-1', connection: 'park-grid', wh: 50n },
      { start, device: 'wind-2', connection: 'public-grid', ppa: 'ppa-2', wh: 100n },
      { start, device: 'solar-1', connection: 'public-grid', wh: 70n },
    ],
  );
  t.same(view.totals, { consumedWh: '1000', directTechnicalLinkWh: '370', ppaWh: '100', gridWh: '530', gridEmissionsG: '212' });
  t.same(view.ppaNotCountedAsPpa, [{ ppa: 'ppa-1', device: 'wind-1', countedAs: 'direct-technical-link', wh: '320' }]);
  t.match(
    ppaNote(view),
    /^<span class="sub note"><span class="nw">320 Wh<\/span> from wind-1 under PPA ppa-1: the device is on the park's own grid, so this energy counts as direct technical link/,
  );
  const none = cbamView([hour], [{ start, device: 'wind-2', connection: 'public-grid', ppa: 'ppa-2', wh: 100n }]);
  t.same(none.ppaNotCountedAsPpa, []);
  t.equal(ppaNote(none), '', 'every PPA Wh is in the PPA line: no note');
});

t.test("a claim's certificate explains the PPA line exactly when the rule zeroes a PPA's energy", async (t) => {
  const parkGrid = (await verifyWithFacts(cutBundle(writePark(), 't1', { claim: true }), { logKey: LOG_KEY })).facts!;
  t.equal(parkGrid.devices.find((d) => d.id === 'wind-1')!.ppas[0]!.id, 'ppa-1', 'wind-1 has a PPA with t1');
  t.equal(parkGrid.cbam!.totals.ppaWh, '0', 'on the park grid its energy is not in the PPA line');
  t.equal(parkGrid.cbam!.ppaNotCountedAsPpa.length, 1);
  t.equal(parkGrid.cbam!.ppaNotCountedAsPpa[0]!.ppa, 'ppa-1');
  const html = certificateHtml({ facts: parkGrid as Parameters<typeof certificateHtml>[0]['facts'], bundleSha256: '00'.repeat(32), logKey: 'k' });
  t.match(html, / from wind-1 under PPA ppa-1: the device is on the park's own grid/);

  const log = writePark({ device: (p) => (p.id === 'wind-1' ? { ...p, connection: 'public-grid' } : p) });
  const publicGrid = (await verifyWithFacts(cutBundle(log, 't1', { claim: true }), { logKey: LOG_KEY })).facts!;
  t.ok(BigInt(publicGrid.cbam!.totals.ppaWh) > 0n, 'on the public grid its energy is in the PPA line');
  t.same(publicGrid.cbam!.ppaNotCountedAsPpa, []);
  t.notMatch(
    certificateHtml({ facts: publicGrid as Parameters<typeof certificateHtml>[0]['facts'], bundleSha256: '00'.repeat(32), logKey: 'k' }),
    /class="sub note"/,
    'no note',
  );
  t.ok(payloadsOf(log, 'claim').length > 0);
});
