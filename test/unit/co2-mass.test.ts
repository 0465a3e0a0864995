/**
 * A mass of CO₂ as every text writes it (src/domain/co2-mass.ts), and the
 * unmatched emissions of one claim as the CLI summary and the certificate
 * write them: the same text in each, t or kg by size. The web pages show the
 * same text (test/web).
 */
import t from 'tap';
import { verifyWithFacts } from '../../src/domain/bundle/verified.ts';
import { factsSummary } from '../../src/domain/bundle/facts-summary.ts';
import { certificateHtml } from '../../src/domain/certificate/certificate-html.ts';
import { co2Mass } from '../../src/domain/co2-mass.ts';
import { cutBundle, LOG_KEY, writePark } from '../helpers/bundle-park.ts';

/** The demo's claim (src/cli/demo): a week of the factory, 12 704 095 g of unmatched emissions. */
const DEMO_G = '12704095';

t.test('t from 1 t up, to 10 kg; kg below, to 100 g; half up; grouped by spaces', async (t) => {
  t.equal(co2Mass(DEMO_G), '12.70 t CO₂', "the demo's figure");
  t.equal(co2Mass('0'), '0.0 kg CO₂');
  t.equal(co2Mass('49'), 'under 0.1 kg CO₂', 'above 0 never reads as 0');
  t.equal(co2Mass('50'), '0.1 kg CO₂', 'half up');
  t.equal(co2Mass('14000'), '14.0 kg CO₂');
  t.equal(co2Mass('14049'), '14.0 kg CO₂');
  t.equal(co2Mass('999949'), '999.9 kg CO₂');
  t.equal(co2Mass('999950'), '1.00 t CO₂', 'a figure that would round to 1000.0 kg reads in tonnes');
  t.equal(co2Mass('1000000'), '1.00 t CO₂');
  t.equal(co2Mass('2500000'), '2.50 t CO₂');
  t.equal(co2Mass('12705000'), '12.71 t CO₂', 'half up in tonnes');
  t.equal(co2Mass('1234567890123'), '1 234 567.89 t CO₂', 'thousands grouped by a space, as the Wh figures are');
  t.equal(co2Mass('123456789012345678901234567890'), '123 456 789 012 345 678 901 234.57 t CO₂', 'exact beyond 2^53');
  for (const bad of ['', '-1', '1.5', '1e6', ' 1']) t.throws(() => co2Mass(bad), /not a count of grams/, `${JSON.stringify(bad)} refused`);
});

t.test('the CLI summary and the certificate write the unmatched emissions by the one rule', async (t) => {
  const { facts } = await verifyWithFacts(cutBundle(writePark(), 't1', { claim: true }), { logKey: LOG_KEY });
  if (!facts?.claim) {
    t.fail('no facts of a claim');
    return;
  }
  const demo = { ...facts, claim: facts.claim, unmatchedEmissionsG: DEMO_G };
  t.match(factsSummary(demo, true), /, unmatched emissions 12\.70 t CO₂\n/, 'gridproof verify');
  t.match(
    certificateHtml({ facts: demo, bundleSha256: '00'.repeat(32), logKey: 'k' }),
    "<dt>Unmatched emissions</dt><dd>12.70 t CO₂ at the zone's grid factor</dd>",
    'the certificate',
  );
  const grid = facts.cbam!.totals.gridEmissionsG!;
  t.match(factsSummary(facts, true), `emitting ${co2Mass(grid)} at the grid emission factor`, "the CBAM part's grid emissions too");
  t.match(certificateHtml({ facts: demo, bundleSha256: '00'.repeat(32), logKey: 'k' }), `<td class="n">${co2Mass(grid)}</td>`);
});
