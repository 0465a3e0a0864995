/**
 * The Verify page: a bundle chosen, dropped or pasted is checked here, in the
 * browser, by the same pure verifier as `gridproof verify`
 * (src/domain/bundle), against the log key in the key field. Served by a
 * gridproof service, the key is fetched once when the page loads (shown and
 * editable); saved as one file (verify.html) it asks for it. A witness
 * policy (src/web/dom/witness-policy-fields.ts) may require cosignatures of
 * the checkpoint, as `gridproof verify --witness … --quorum N` does. No
 * request is made while verifying.
 */
import { verifyBundle, type Bundle, type BundleVerdict } from '../../domain/bundle/verify-bundle.ts';
import { bundleFacts } from '../../domain/bundle/facts.ts';
import type { FactParty } from '../../domain/bundle/facts-types.ts';
import { co2MassOrWhy } from '../../domain/bundle/facts-summary.ts';
import { parseVerifierKey } from '../../crypto/note.ts';
import { isGridproofError } from '../../errors.ts';
import { hourlyPlot, plotWidth } from '../dom/hourly-plot.ts';
import { el, errorBox, facts, getText, main } from '../dom/ui.ts';
import { chosenPolicy, cosignaturesSection, prefillWitnesses, witnessFields } from '../dom/witness-policy-fields.ts';
import type { WitnessPolicy } from '../../domain/witness-policy.ts';
import { formatWh, hourlySeries, partyDetail, partyName, reasonViews, sourceViews, verdictLine, type ReasonView } from '../model/bundle-view.ts';

const standalone = document.body.dataset.standalone === 'true';

const keyInput = el('input', { id: 'log-key', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'origin+keyid+base64 key', required: '' });
const fileInput = el('input', { id: 'bundle-file', type: 'file', accept: '.json,application/json,application/vnd.gridproof.bundle.v1+json' });
const pasteArea = el('textarea', { id: 'bundle-text', rows: '4', spellcheck: 'false', placeholder: 'or paste the bundle JSON here' });
const verifyButton = el('button', { type: 'submit' }, 'Verify');
const status = el('div', { role: 'status', id: 'verdict', class: 'verdict', 'aria-live': 'polite' }, 'No bundle checked yet.');
const details = el('div', { id: 'details' });
const keyNote = el('p', { class: 'hint', id: 'key-note' });
/** The bundle the Verify button checks again (after the key or the policy changed): the last file chosen, or the pasted text. */
let lastFile: { text: string; name: string } | undefined;
let pastedLast = false;
/** A bundle was given before the log key: it is verified as soon as a key is (missing input is not a verdict). */
let awaitingKey = false;

function render(): void {
  const drop = el(
    'label',
    { class: 'drop', for: 'bundle-file' },
    el('strong', {}, 'Choose or drop a bundle file'),
    el('span', { class: 'hint' }, 'a .json proof bundle, as downloaded from a claim'),
    fileInput,
  );
  const form = el(
    'form',
    { id: 'verify-form', class: 'panel' },
    el('label', { for: 'log-key' }, 'Log key (the public key you trust for this log)'),
    keyInput,
    keyNote,
    witnessFields(),
    drop,
    el('label', { for: 'bundle-text', class: 'sr-only' }, 'Bundle JSON'),
    pasteArea,
    el('div', { class: 'actions' }, verifyButton),
  );
  main().replaceChildren(
    el('h1', {}, 'Verify a proof bundle'),
    el('p', { class: 'lead' }, 'The bundle is checked entirely in this browser, with the log key and the witness policy below. Nothing is sent anywhere.'),
    form,
    status,
    details,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void verifyAgain();
  });
  pasteArea.addEventListener('input', () => {
    pastedLast = true;
  });
  // A bundle waiting for the key is verified once a whole key is in the field (pasted, or typed to its end),
  // and whatever the field holds when it is left, so an unusable key gets its verdict then, not while typing.
  keyInput.addEventListener('input', () => {
    if (awaitingKey && wholeKey(keyInput.value.trim())) void verifyAgain();
  });
  keyInput.addEventListener('change', () => {
    if (awaitingKey && keyInput.value.trim() !== '') void verifyAgain();
  });
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void file.text().then((text) => verifyFile(text, file.name));
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) void file.text().then((text) => verifyFile(text, file.name));
  });
}

async function loadKey(): Promise<void> {
  if (standalone) {
    keyNote.textContent = 'Saved copy of the verifier: paste the log key you trust (from the log operator or your auditor).';
    return;
  }
  try {
    const key = (await getText('/v1/log/key')).trim();
    // A key typed while the service's was on its way stands.
    if (keyInput.value.trim() === '') keyInput.value = key;
    keyNote.textContent = 'Filled in from this service. Replace it with a key you obtained independently to trust nothing of this server.';
    if (awaitingKey && keyInput.value.trim() !== '') void verifyAgain();
  } catch (error) {
    keyNote.replaceChildren(errorBox(error));
  }
}

function verifyFile(text: string, name: string): Promise<void> {
  lastFile = { text, name };
  pastedLast = false;
  return verifyText(text, name);
}

function verifyAgain(): Promise<void> {
  if (lastFile !== undefined && !(pastedLast && pasteArea.value.trim() !== '')) return verifyText(lastFile.text, lastFile.name);
  if (pasteArea.value.trim() === '') return Promise.resolve(showMissing('Choose, drop or paste a bundle to verify.'));
  return verifyText(pasteArea.value, 'pasted bundle');
}

/** Whether `key` parses as a verifier key: only then is a half-typed key worth a verdict. */
function wholeKey(key: string): boolean {
  try {
    parseVerifierKey(key);
    return true;
  } catch {
    return false;
  }
}

function showUnusable(message: string): void {
  awaitingKey = false;
  status.className = 'verdict invalid';
  status.textContent = `INVALID: ${message}`;
  details.replaceChildren();
}

/** Input still missing: a prompt in the verdict's place, neither VALID nor INVALID, since nothing was checked. */
function showMissing(message: string): void {
  status.className = 'verdict awaiting';
  status.textContent = message;
  details.replaceChildren();
}

async function verifyText(text: string, name: string): Promise<void> {
  const key = keyInput.value.trim();
  awaitingKey = key === '';
  if (awaitingKey) {
    showMissing(`Enter the log's key to verify ${name}: the public key of the log you trust, in the field above.`);
    keyInput.focus();
    return;
  }
  const choice = chosenPolicy();
  if ('error' in choice) return showUnusable(`the witness policy is not usable (${choice.error.code}): ${choice.error.detail}`);
  const { policy } = choice;
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch {
    return showUnusable(`${name} is not JSON`);
  }
  if (typeof bundle !== 'object' || bundle === null) return showUnusable(`${name} is not a bundle: not a JSON object`);
  status.className = 'verdict';
  status.textContent = 'Checking…';
  verifyButton.disabled = true;
  const started = performance.now();
  let verdict: BundleVerdict;
  try {
    verdict = await verifyBundle(bundle, { logKey: key, ...(policy ? { witnessPolicy: policy } : {}) });
  } catch (error) {
    verifyButton.disabled = false;
    return showUnusable(isGridproofError(error) ? `the log key is not usable (${error.code}): ${error.detail}` : String(error));
  }
  verifyButton.disabled = false;
  const ms = Math.round(performance.now() - started);
  // Who the tenant is, from its participant entry: proven only when the bundle verified (bundleFacts).
  const tenant = verdict.valid ? bundleFacts(bundle as Bundle).tenant : undefined;
  status.className = `verdict ${verdict.valid ? 'valid' : 'invalid'}`;
  status.replaceChildren(verdictLine(verdict, tenant));
  if (tenant) status.append(el('span', { class: 'verdict-party', id: 'verdict-party' }, partyDetail(tenant, 'tenant')));
  document.body.dataset.verifyMs = String(ms);
  showDetails(bundle as Bundle, verdict, tenant, policy, `${name}, checked in ${ms} ms`);
}

function showDetails(bundle: Bundle, verdict: BundleVerdict, tenant: FactParty | undefined, policy: WitnessPolicy | undefined, caption: string): void {
  const parts: HTMLElement[] = [el('p', { class: 'hint' }, caption)];
  const reasons = reasonViews(verdict);
  if (reasons.length > 0) {
    parts.push(el('h2', {}, 'Why it is invalid'), el('ol', { class: 'reasons' }, ...reasons.map(reasonItem)));
  }
  const s = verdict.statement;
  if (s) {
    parts.push(
      el('h2', {}, verdict.valid ? 'Statement' : 'Statement (as the bundle says; not proven)'),
      facts([
        ['Tenant', tenant ? el('span', {}, partyName(tenant), el('span', { class: 'hint' }, ` ${partyDetail(tenant, 'tenant')}`)) : s.tenant],
        ['Period (UTC)', `${s.period.start} to ${s.period.end}`],
        ['Purpose', s.claim?.purpose],
        ['Beneficiary', s.claim?.beneficiary],
        ['Claimed', s.claim ? `${formatWh(s.claim.wh)} (${s.claim.wh} Wh), claim ${s.claim.id}` : 'nothing: a statement, not a claim'],
        ['Consumed', `${formatWh(s.consumedWh)} (${s.consumedWh} Wh)`],
        ['Matched', `${formatWh(s.matchedWh)} (${s.matchedWh} Wh)`],
        ['CFE score', `${(s.cfeScore * 100).toFixed(1)} %`],
        ['Unmatched emissions', el('span', { id: 'unmatched-emissions' }, co2MassOrWhy(s.unmatchedEmissionsG))],
      ]),
      el('h2', {}, 'Sources'),
      sourcesTable(bundle),
      el('h2', {}, 'Hour by hour'),
    );
    try {
      parts.push(hourlyPlot(hourlySeries(bundle), plotWidth(details)));
    } catch (error) {
      parts.push(errorBox(error));
    }
  }
  parts.push(cosignaturesSection(verdict, policy, typeof bundle.witnessed === 'boolean' ? bundle.witnessed : undefined));
  parts.push(el('h2', {}, 'Checkpoint'), el('pre', { class: 'checkpoint' }, bundle.checkpoint ?? ''));
  details.replaceChildren(...parts);
}

/**
 * One reason: its meaning, its code linked to the code's page (what it means
 * and what to do, docs/exports.md), and the detail. Saved as verify.html there
 * is no service to link to, so the page's text is shown instead.
 */
function reasonItem(r: ReasonView): HTMLElement {
  const code = el('code', {}, r.code);
  const named =
    r.page !== undefined && !standalone
      ? el('a', { href: r.page, class: 'reason-code', target: '_blank', rel: 'noopener', title: `What ${r.code} means and what to do` }, code)
      : code;
  return el(
    'li',
    {},
    el('strong', {}, r.meaning),
    ' ',
    named,
    el('p', {}, r.detail),
    standalone && r.explanation !== undefined ? el('p', { class: 'reason-explanation' }, r.explanation) : undefined,
  );
}

function sourcesTable(bundle: Bundle): HTMLElement {
  const rows = sourceViews(bundle);
  const head = ['Device', 'Type', 'Matched', 'Energy source', 'Technology', 'Commissioned', 'Support', 'Connection'];
  return el(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Sources' },
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
      el(
        'tbody',
        {},
        ...rows.map((r) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, r.device),
            el('td', {}, r.type),
            el('td', { class: 'num' }, formatWh(r.wh)),
            el('td', {}, r.energySource ?? '—'),
            el('td', {}, r.technology ?? '—'),
            el('td', {}, r.commissioningDate ?? '—'),
            el('td', {}, r.support ?? '—'),
            el('td', {}, r.connection ?? '—'),
          ),
        ),
      ),
    ),
  );
}

render();
void loadKey();
void prefillWitnesses(standalone);
