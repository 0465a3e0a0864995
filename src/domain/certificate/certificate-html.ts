/**
 * The printable certificate of a claim (docs/exports.md "Certificate"): one
 * A4 page of HTML with print CSS, built from a verified claim bundle's facts
 * alone, so anyone holding the bundle can make the same page. Self-contained:
 * no script, no font, no image or style from elsewhere. Every figure is the
 * statement's or the facts' own: energy in exact Wh, masses of CO₂ rounded
 * by the one rule every text uses (src/domain/co2-mass.ts).
 */
import { co2MassOrWhy, NO_GRID_FACTOR } from '../bundle/facts-summary.ts';
import type { BundleFacts, CbamView, FactClaim } from '../bundle/facts-types.ts';
import { cfeChart } from './cfe-chart.ts';
import { percent, wh } from './figures.ts';
import { co2Mass } from '../co2-mass.ts';
import { countOf, groupDigits } from '../count.ts';
import { escapeHtml as esc } from '../html-escape.ts';

export interface CertificateInput {
  facts: BundleFacts & { claim: FactClaim };
  /** Lowercase hex SHA-256 of the bundle's exact bytes. */
  bundleSha256: string;
  /** The log's verifier key the bundle verified against. */
  logKey: string;
}

const CSS = `
@page { size: A4; margin: 10mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1c2833; font-size: 8.5pt; margin: 0; }
.page { max-width: 190mm; margin: 0 auto; border: 2px solid #1f7a4d; padding: 5mm 7mm; }
header { display: flex; flex-wrap: wrap; gap: 1mm 4mm; justify-content: space-between; align-items: baseline; border-bottom: 1px solid #1f7a4d; padding-bottom: 3mm; }
h1 { font-size: 15pt; margin: 0; color: #1f7a4d; letter-spacing: 0.02em; }
h2 { font-size: 9.5pt; margin: 2mm 0 0.8mm; color: #1f7a4d; text-transform: uppercase; letter-spacing: 0.05em; }
.sub { color: #555; font-size: 8.5pt; }
/* A figure is never broken, so a card is as wide as its figure: the cards share a line while they fit and move to the next when they do not. */
.headline { display: flex; flex-wrap: wrap; gap: 2mm 3mm; margin-top: 2.5mm; }
.figure { flex: 1 1 auto; border: 1px solid #c8d3cc; border-radius: 2mm; padding: 1.5mm 2.5mm; background: #f4f8f5; }
.figure b { display: block; font-size: 10.5pt; color: #1f7a4d; white-space: nowrap; }
/* A table wider than a narrow screen scrolls in its own box; the page does not. */
.wide { overflow-x: auto; }
/* On a narrow screen the chart keeps a width where its labels read, and scrolls in its box. */
@media screen and (max-width: 640px) { .chart svg { min-width: 560px; } }
.nw { white-space: nowrap; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 0.5mm 1.5mm; border-bottom: 1px solid #e1e6e3; vertical-align: top; }
th { font-size: 8pt; color: #555; font-weight: normal; }
td.n, th.n { text-align: right; white-space: nowrap; }
td .note { display: block; }
dl { display: grid; grid-template-columns: minmax(0, 36mm) minmax(0, 1fr); gap: 0.6mm 3mm; margin: 0; }
dt { color: #555; }
dd { margin: 0; }
/* A hash or key is copied whole: it moves to a line of its own before it breaks, and breaks only if wider than that (docs/exports.md "Certificate"). */
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; overflow-wrap: anywhere; }
.cmd { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; color: #1c2833; margin: 1mm 0 1mm 4mm; white-space: pre-wrap; overflow-wrap: anywhere; }
.legend .key { display: inline-block; width: 3mm; height: 3mm; margin: 0 1mm 0 3mm; vertical-align: middle; }
footer { margin-top: 3mm; font-size: 7.5pt; color: #555; border-top: 1px solid #c8d3cc; padding-top: 2mm; }
@media print { .page { border-width: 1.5px; } }
`;

function sourcesTable(facts: BundleFacts): string {
  const claimedBy = new Map<string, bigint>();
  for (const h of facts.hours) for (const s of h.sources) claimedBy.set(s.device, (claimedBy.get(s.device) ?? 0n) + BigInt(s.claimedWh ?? '0'));
  const rows = facts.devices
    .map((d) => {
      const owner = [d.owner.name ?? d.owner.id, d.owner.legalId, d.owner.country].filter(Boolean).join(', ');
      return (
        `<tr><td>${esc(d.id)}<br><span class="sub">${esc(owner)}</span></td><td>${esc(d.type)}<br><span class="sub">${esc(d.eecsEnergySource ?? '')} ${esc(d.eecsTechnology ?? '')}</span></td>` +
        `<td class="nw">${groupDigits(String(d.capacityW))} W<br><span class="sub">since ${esc(d.commissioningDate)}</span></td>` +
        `<td>${esc(d.country)}, ${esc(d.biddingZone)}<br><span class="sub">${d.directTechnicalLink ? 'park grid (direct technical link)' : 'public grid'}</span></td>` +
        `<td>${esc(d.support)}<br><span class="sub">${d.ppas.length === 0 ? 'no PPA' : `PPA ${d.ppas.map((p) => esc(p.id)).join(', ')}`}</span></td>` +
        `<td class="n">${wh(String(claimedBy.get(d.id) ?? 0n))}</td></tr>`
      );
    })
    .join('');
  return `<div class="wide"><table><tr><th>Source device, owner</th><th>Type, EECS codes</th><th>Capacity</th><th>Country, zone, connection</th><th>Support</th><th class="n">Claimed</th></tr>${rows}</table></div>`;
}

const COUNTED_AS = {
  'direct-technical-link': "the device is on the park's own grid, so this energy counts as direct technical link (above), not as a power purchase agreement",
  grid: 'this energy counts as electricity from the grid (below), not as a power purchase agreement',
} as const;

/**
 * Why energy the Sources table shows under a PPA is not in the PPA line: the
 * CBAM rule (facts-cbam.ts cbamBasis) counts it otherwise, and the view lists
 * exactly that energy. Empty when every PPA's energy is in the PPA line.
 */
export function ppaNote(cbam: CbamView): string {
  return cbam.ppaNotCountedAsPpa
    .map((p) => `<span class="sub note"><span class="nw">${wh(p.wh)}</span> from ${esc(p.device)} under PPA ${esc(p.ppa)}: ${COUNTED_AS[p.countedAs]}.</span>`)
    .join('');
}

function cbamSection(facts: BundleFacts): string {
  if (!facts.cbam) return '';
  const t = facts.cbam.totals;
  return `<h2>CBAM: electricity consumed</h2><div class="wide"><table>
<tr><td>Electricity consumed</td><td class="n">${wh(t.consumedWh)}</td></tr>
<tr><td>of which under a direct technical link</td><td class="n">${wh(t.directTechnicalLinkWh)}</td></tr>
<tr><td>of which under a power purchase agreement${ppaNote(facts.cbam)}</td><td class="n">${wh(t.ppaWh)}</td></tr>
<tr><td>from the grid, at the grid emission factor</td><td class="n">${wh(t.gridWh)}</td></tr>
<tr><td>Emissions of electricity from the grid</td><td class="n">${co2MassOrWhy(t.gridEmissionsG)}</td></tr>
<tr><td>Specific emissions of the electricity consumed</td><td class="n">${facts.cbam.gCO2PerMWh === null ? NO_GRID_FACTOR : `${groupDigits(facts.cbam.gCO2PerMWh)} g CO₂ / MWh`}</td></tr></table></div>`;
}

/**
 * The command that verifies the bundle, with the log key on its own line
 * after a shell continuation (docs/exports.md "Certificate"): a verifier key
 * (`name+keyid+base64`) is one token that a reader copies whole, so it must
 * not share a line with prose that could push a break into it. The line
 * breaks only if the key alone is wider than the page (`.cmd`).
 */
function verifyCommand(logKey: string): string {
  return `gridproof verify bundle.json --key \\\n  ${esc(logKey)}`;
}

export function certificateHtml({ facts, bundleSha256, logKey }: CertificateInput): string {
  const { claim, checkpoint } = facts;
  const storage =
    facts.discharges.length === 0
      ? ''
      : `<p class="sub">Storage: ${countOf(facts.discharges.length, 'discharge')} of <span class="nw">${wh(String(facts.discharges.reduce((s, d) => s + BigInt(d.wh), 0n)))}</span>, each traced to the charges it draws on; losses <span class="nw">${wh(String(facts.discharges.reduce((s, d) => s + BigInt(d.lossWh), 0n)))}</span>.</p>`;
  const body = `<div class="page">
<header><div><h1>Certificate of hourly matched electricity</h1><div class="sub">Issued from the signed log ${esc(checkpoint.origin)}</div></div><div class="sub nw">Claim <b>${esc(claim.id)}</b></div></header>
<div class="headline">
<div class="figure">Claimed<b>${wh(claim.wh)}</b></div>
<div class="figure">Hourly CFE score<b>${BigInt(facts.consumedWh) === 0n ? '—' : percent(facts.cfeScore)}</b></div>
<div class="figure">Consumed<b>${wh(facts.consumedWh)}</b></div>
<div class="figure">Matched<b>${wh(facts.matchedWh)}</b></div>
</div>
<h2>Claim</h2>
<dl>
<dt>Beneficiary</dt><dd>${esc(claim.beneficiary)}</dd>
<dt>Purpose</dt><dd>${esc(claim.purpose)}${claim.purpose === 'cbam' ? ' (CBAM declaration, Regulation (EU) 2023/956)' : ''}</dd>
<dt>Consumer</dt><dd>${esc([facts.tenant.name ?? facts.tenant.id, facts.tenant.legalId, facts.tenant.country].filter(Boolean).join(', '))} (${esc(facts.tenant.id)})</dd>
<dt>Period (UTC)</dt><dd>${esc(facts.period.start)} to ${esc(facts.period.end)}, ${countOf(facts.hours.length, 'hour')}</dd>
<dt>Unmatched emissions</dt><dd>${facts.unmatchedEmissionsG === null ? NO_GRID_FACTOR : `${co2Mass(facts.unmatchedEmissionsG)} at the zone's grid factor`}</dd>
</dl>
<h2>Sources</h2>
${sourcesTable(facts)}
${storage}
<h2>Hour by hour</h2>
<div class="wide chart">${cfeChart(facts.hours)}</div>
<div class="sub legend"><span class="nw"><span class="key" style="background:#1f7a4d"></span>matched carbon-free energy</span> <span class="nw"><span class="key" style="background:#d9dee3"></span>consumption not matched</span></div>
${cbamSection(facts)}
<h2>Proof</h2>
<dl>
<dt>Log (origin)</dt><dd>${esc(checkpoint.origin)}</dd>
<dt>Checkpoint</dt><dd>${checkpoint.size} entries, root <span class="mono">${esc(checkpoint.rootHash)}</span></dd>
<dt>Cosignatures</dt><dd>${checkpoint.cosignatures.length === 0 ? 'none' : esc(checkpoint.cosignatures.join(', '))}</dd>
<dt>Claim entry</dt><dd>claim <span class="nw">${esc(claim.id)}</span>, log index ${claim.index}, leaf hash <span class="mono">${esc(claim.leafHash)}</span></dd>
<dt>Bundle SHA-256</dt><dd class="mono">${esc(bundleSha256)}</dd>
<dt>Log key</dt><dd class="mono">${esc(logKey)}</dd>
</dl>
<footer><b>How to verify.</b> Obtain the proof bundle whose SHA-256 is shown above and run
<pre class="cmd">${verifyCommand(logKey)}</pre>
or post it to <span class="mono">/v1/verify</span> of any gridproof service.
The bundle holds every signed meter reading, settlement and registry entry behind this page, each with its RFC 9162 inclusion proof
to the checkpoint; verification needs nothing but the log key. This page was made from that bundle alone, and only a bundle that verifies gets one.</footer>
</div>`;
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>Certificate ${esc(claim.id)}</title><style>${CSS}</style></head><body>${body}</body></html>\n`
  );
}
