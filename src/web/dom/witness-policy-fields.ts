/**
 * The Verify page's witness policy fields (docs/witnesses.md): the witness
 * verifier keys a person trusts and how many of them must have cosigned the
 * bundle's checkpoint. Served by a gridproof service, they start as the
 * witnesses and quorum that service is configured with (GET
 * /v1/log/witnesses, fetched once when the page loads), and stay editable;
 * saved as a file, they start empty. After a verdict, each valid
 * cosignature is listed with its witness's name and time.
 */
import type { BundleVerdict } from '../../domain/bundle/verify-bundle.ts';
import type { WitnessPolicy } from '../../domain/witness-policy.ts';
import { policyFromForm, policyPrefill, witnessSummary, type PolicyChoice, type ServiceWitnesses } from '../model/witness-policy-view.ts';
import { el, errorBox, getJson } from './ui.ts';

const keysArea = el('textarea', {
  id: 'witness-keys',
  rows: '3',
  // A key per line, unwrapped: a key broken over lines reads as two.
  wrap: 'off',
  spellcheck: 'false',
  autocomplete: 'off',
  placeholder: 'witness.example/name+1a2b3c4d+base64 key, one per line',
  'aria-describedby': 'witness-note',
});
const quorumInput = el('input', {
  id: 'witness-quorum',
  type: 'number',
  min: '1',
  step: '1',
  inputmode: 'numeric',
  placeholder: 'all',
  'aria-describedby': 'witness-note',
});
const note = el(
  'p',
  { class: 'hint', id: 'witness-note' },
  'Optional. With witness keys, the checkpoint must be cosigned by at least the quorum of them (empty: all).',
);

export function witnessFields(): HTMLElement {
  return el(
    'fieldset',
    { class: 'witnesses', id: 'witness-policy' },
    el('legend', {}, 'Witness policy'),
    el('label', { for: 'witness-keys' }, 'Witnesses you trust (one verifier per line)'),
    keysArea,
    el('div', { class: 'quorum' }, el('label', { for: 'witness-quorum' }, 'Quorum (how many must have cosigned)'), quorumInput),
    note,
  );
}

/** Starts the fields from this service's witnesses; a saved copy (standalone) has no service to ask. */
export async function prefillWitnesses(standalone: boolean): Promise<void> {
  if (standalone) return;
  try {
    const values = policyPrefill(await getJson<ServiceWitnesses>('/v1/log/witnesses'));
    if (values.keys === '') return;
    // A person may have typed while the request was out: their text wins.
    if (keysArea.value.trim() === '' && quorumInput.value === '') {
      keysArea.value = values.keys;
      keysArea.rows = Math.max(3, values.keys.split('\n').length + 1);
      quorumInput.value = values.quorum;
    }
    note.textContent =
      "Filled in with the witnesses this service asks to cosign its checkpoints, and its quorum. Put in witnesses you chose yourself so that nothing rests on this server's word.";
  } catch (error) {
    note.replaceChildren(errorBox(error));
  }
}

export function chosenPolicy(): PolicyChoice {
  return policyFromForm(keysArea.value, quorumInput.value);
}

/** The cosignatures section of the details, or nothing without a policy. */
export function cosignaturesSection(verdict: BundleVerdict, policy: WitnessPolicy | undefined, witnessed: boolean | undefined): HTMLElement {
  return el('section', { id: 'witnesses', 'aria-labelledby': 'witnesses-heading' }, ...cosignatureParts(verdict, policy, witnessed));
}

function cosignatureParts(verdict: BundleVerdict, policy: WitnessPolicy | undefined, witnessed: boolean | undefined): HTMLElement[] {
  const said =
    witnessed === undefined
      ? undefined
      : el('p', { class: 'hint' }, `The service that made this bundle says its checkpoint ${witnessed ? 'is' : 'is not'} cosigned by its quorum.`);
  const summary = witnessSummary(verdict, policy);
  if (summary === undefined) {
    return [
      el('h2', { id: 'witnesses-heading' }, 'Witnesses'),
      el('p', { id: 'witness-summary' }, 'No witness policy given: cosignatures were not checked.'),
      ...(said ? [said] : []),
    ];
  }
  const list = el(
    'ul',
    { class: 'cosignatures', id: 'cosignatures' },
    ...summary.cosignatures.map((c) =>
      el(
        'li',
        {},
        el('strong', {}, c.name),
        ' cosigned at ',
        el('time', { datetime: c.time }, c.time.replace('T', ' ').replace('Z', ' UTC')),
        el('code', {}, c.vkey),
      ),
    ),
  );
  return [
    el('h2', { id: 'witnesses-heading' }, 'Witnesses'),
    el('p', { id: 'witness-summary', class: summary.met ? 'met' : 'short' }, summary.line),
    ...(summary.cosignatures.length > 0 ? [list] : []),
    ...(said ? [said] : []),
  ];
}
