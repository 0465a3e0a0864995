/**
 * The Log page (public): the latest checkpoint, its size and the log key,
 * the stored checkpoints (src/web/dom/checkpoint-list.ts), and two checks
 * computed here from the API's proofs (src/web/model/log-checks.ts).
 */
import type { Checkpoint } from '../../crypto/checkpoint.ts';
import { isGridproofError } from '../../errors.ts';
import { checkpointList } from '../dom/checkpoint-list.ts';
import { el, errorBox, facts, getJson, getText, main } from '../dom/ui.ts';
import { checkConsistency, checkInclusion, openLogCheckpoint, type ConsistencyProofBody, type InclusionProofBody } from '../model/log-checks.ts';

const summary = el('section', { id: 'latest', class: 'panel' }, el('p', {}, 'Loading the latest checkpoint…'));
const leafInput = el('input', { id: 'leaf-hash', type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'base64 leaf hash' });
const inclusionResult = el('div', { id: 'inclusion-result', role: 'status', class: 'result' });
const fromInput = el('input', { id: 'from-size', type: 'number', min: '1', inputmode: 'numeric' });
const toInput = el('input', { id: 'to-size', type: 'number', min: '1', inputmode: 'numeric' });
const consistencyResult = el('div', { id: 'consistency-result', role: 'status', class: 'result' });

let logKey = '';
let latest: Checkpoint | undefined;

function outcome(target: HTMLElement, ok: boolean, text: string | HTMLElement): void {
  target.className = `result ${ok ? 'valid' : 'invalid'}`;
  target.replaceChildren(text);
}

function failure(target: HTMLElement, error: unknown): void {
  if (isGridproofError(error)) outcome(target, false, `FAILED (${error.code}): ${error.detail}`);
  else {
    target.className = 'result invalid';
    target.replaceChildren(errorBox(error));
  }
}

async function inclusion(): Promise<void> {
  try {
    if (!latest) throw new Error('no checkpoint loaded');
    const leaf = leafInput.value.trim();
    const body = await getJson<InclusionProofBody>(`/v1/log/proof/inclusion?leafHash=${encodeURIComponent(leaf)}&treeSize=${latest.size}`);
    if (body.leafHash !== leaf) throw new Error('the service answered for another leaf');
    outcome(inclusionResult, true, checkInclusion(latest, body));
  } catch (error) {
    failure(inclusionResult, error);
  }
}

async function consistency(): Promise<void> {
  try {
    const [from, to] = [Number(fromInput.value), Number(toInput.value)];
    const [older, newer] = await Promise.all([from, to].map(async (size) => openLogCheckpoint(await getText(`/v1/log/checkpoints/${size}`), logKey)));
    const body = await getJson<ConsistencyProofBody>(`/v1/log/proof/consistency?from=${from}&to=${to}`);
    outcome(consistencyResult, true, checkConsistency(older!, newer!, body));
  } catch (error) {
    failure(consistencyResult, error);
  }
}

function form(id: string, title: string, hint: string, fields: HTMLElement[], run: () => Promise<void>, result: HTMLElement): HTMLElement {
  const f = el(
    'form',
    { id, class: 'panel' },
    el('h2', {}, title),
    el('p', { class: 'hint' }, hint),
    ...fields,
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Check')),
    result,
  );
  f.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  return f;
}

async function load(): Promise<void> {
  try {
    logKey = (await getText('/v1/log/key')).trim();
    const text = await getText('/v1/log/checkpoint');
    latest = openLogCheckpoint(text, logKey);
    summary.replaceChildren(
      el('h2', {}, 'Latest checkpoint'),
      facts([
        ['Origin', latest.origin],
        ['Size', el('span', { id: 'tree-size' }, `${latest.size.toLocaleString('en')} entries`)],
        ['Root hash', el('code', {}, text.split('\n')[2] ?? '')],
        ['Log key', el('code', { id: 'log-key-value' }, logKey)],
      ]),
      el('p', { class: 'hint' }, 'Its signature was checked in this browser against the log key above.'),
      el('pre', { class: 'checkpoint' }, text),
    );
    if (toInput.value === '') toInput.value = String(latest.size);
  } catch (error) {
    summary.replaceChildren(
      isGridproofError(error)
        ? el('div', { class: 'error', role: 'alert' }, `The checkpoint does not verify (${error.code}): ${error.detail}`)
        : errorBox(error),
    );
  }
}

main().replaceChildren(
  el('h1', {}, 'The public log'),
  el('p', { class: 'lead' }, 'Every entry is a leaf of an RFC 9162 Merkle tree. The proofs below come from the service and are checked in your browser.'),
  summary,
  checkpointList(),
  form(
    'inclusion-form',
    'Is an entry in the log?',
    // Where a person finds one (docs/api.md): a bundle lists entries, not their leaf hashes.
    'Paste an entry’s leaf hash (base64). You find one as the leafHash of a POST /v1/entries or POST /v1/claims answer, on a claim’s certificate (“Claim entry”), as a device’s chain head (GET /v1/devices/{id}/chain), or compute it: SHA-256 of a 0x00 byte followed by the entry’s bytes (RFC 9162 §2.1.1).',
    [el('label', { for: 'leaf-hash' }, 'Leaf hash'), leafInput],
    inclusion,
    inclusionResult,
  ),
  form(
    'consistency-form',
    'Did the log only grow?',
    'Two tree sizes that have stored checkpoints (listed above); the larger must extend the smaller.',
    [
      el(
        'div',
        { class: 'row' },
        el('div', {}, el('label', { for: 'from-size' }, 'Older size'), fromInput),
        el('div', {}, el('label', { for: 'to-size' }, 'Newer size'), toInput),
      ),
    ],
    consistency,
    consistencyResult,
  ),
);
void load();
