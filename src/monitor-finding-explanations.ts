/**
 * What each finding and warning of `gridproof monitor` means, what in the log
 * shows it and what a certifier should do: the text of
 * /problems/monitor/{code} (src/routes/problem-pages.ts), which the monitor's
 * report names for each code it lists (src/cli/monitor-report.ts; docs/design.md
 * §7 "What a finding tells"). One entry per code of
 * src/domain/monitor/findings.ts (replayFindingCodes, logFindingCodes,
 * warningCodes), held to that by the `satisfies` below: a code added there
 * without an explanation here fails the type check. The checks themselves are
 * the code that raises each finding; this says what a failure tells a
 * certification body. Findings are neither API errors (src/error-explanations.ts)
 * nor bundle verification reasons (src/verify-reason-explanations.ts), although
 * some share a name with one.
 */
import type { FindingCode, WarningCode } from './domain/monitor/findings.ts';

export type MonitorCode = FindingCode | WarningCode;

export const monitorFindingExplanation = {
  // The log as served (src/cli/monitor.ts, monitor-consistency.ts, monitor-entries.ts).
  'log-key-changed':
    'The log serves a verifier key (GET /v1/log/key) other than the one pinned by the state file or by --key. The log key signs entry 0 and every checkpoint, and gridproof has no way to replace it, so this is a fork, a replaced log, or a key swapped by hand; a rotation of the operator key (gridproof rotate) leaves the log key as it is and is no explanation. The monitor goes on under the pinned key, so the checkpoint usually fails too (bad-checkpoint). Do not update the pin (a new state file or another --key) before the operator explains; compare the served key with the one your witnesses and other certifiers hold.',
  'bad-checkpoint':
    'The latest checkpoint (GET /v1/log/checkpoint) does not open under the pinned key and origin: it is not signed by that key, names another log, or is not a well-formed checkpoint. The run stops there: no entry is checked and the state file is left as it was. If log-key-changed is reported as well, the log now signs with another key; otherwise the checkpoint was altered or forged. Run the monitor again; if it fails the same way, report it to the operator and compare with the checkpoints your witnesses cosigned.',
  'checkpoint-rollback':
    'The latest checkpoint covers fewer entries than the checkpoint of the last clean run, kept in the state file. The log only grows, so it was rolled back (restored from an older copy, say) or the monitor is shown another copy than last time: a fork. The entries are replayed from entry 0 and the state file is left as it was. Keep the state file as evidence, ask the operator to explain, and compare the sizes your witnesses cosigned.',
  'inconsistent-checkpoint':
    'The log cannot prove the latest checkpoint consistent with the checkpoint of the last clean run (an RFC 9162 consistency proof, GET /v1/log/proof/consistency): it gives no proof, or its proof does not lead from the old root to the new one. The history the last run checked is then not the start of the history served now: entries were changed or removed, or this is another copy of the log. The detail says what failed; the entries after the old size are still replayed. First make sure the state file is the one your last clean run wrote (the monitor trusts its root); then keep it, do not start over without it, and ask the operator to explain.',
  'root-mismatch':
    'The Merkle root recomputed from every entry served differs from the root the checkpoint signs; the report shows both. Each entry may pass every other check, yet these are not the entries the checkpoint commits to: some were changed after they were logged, or the entries and the checkpoint come from different copies of the log. A run that continued from a state file recomputes the root from the tree kept there: run once from entry 0 with a new state file to tell a damaged state file from a damaged log, and if the root still differs report it to the operator.',
  'missing-entries':
    'The log does not serve every entry its checkpoint covers, in order: an entries page came back empty before the checkpoint’s size, or an entry came with another index than the next one, or with bytes that are not UTF-8 text. The run stops at the gap: the entries after it are not checked and the root is not compared. A log must serve every entry a checkpoint it published covers; report it to the operator.',

  // The replay of the entries (src/domain/monitor/replay*.ts).
  'bad-entry':
    'An entry is not a well-formed entry of this log: not a signed note of the entries’ form, a payload that is not canonical JSON (RFC 8785), of no known kind, against its schema or with impossible times, of another log’s origin, or with a signature line that cannot be read; or a key entry whose key cannot be used, an operator key entry naming a subject, or a device key valid from before its device was commissioned. The detail starts with the underlying error code. An entry that does not parse is ignored from then on, so entries resting on it may be reported as unknown too. The service checks all this before it appends, so the entry did not pass through those checks: report it to the operator.',
  'bad-first-entry':
    'Entry 0 is not the operator key entry signed by the log key: it is another kind of entry, does not parse, or is not signed by the pinned log key. Entry 0 registers the operator key under the log key; without it the operator-signed entries after it find no operator key and are reported as no-valid-key. The checkpoint opened under the same key, so the key is right and the log itself was started wrongly or its first entry replaced. Report it to the operator; nothing in this log is proven until it is explained.',
  'no-valid-key':
    'An entry is not signed by a key the log registered for it before it: a reading by no key entry of its device valid over its interval (none logged yet, expired, revoked or not yet valid), an operator-signed entry with no operator key registered, or an entry signed by some other key. A key entry counts only from where it is logged, so a key registered after a reading does not make it valid. The entry is ignored from then on. The service refuses such entries, so this one did not pass through its checks: report it to the operator.',
  'bad-signature':
    'An entry is signed by the key that must sign it (the log key, the operator key, or a key of the reading’s device, as the detail says), but the signature does not verify: the entry’s text was changed after it was signed. The entry is ignored from then on. A logged entry never changes; report it to the operator as an alteration of the log.',
  'duplicate-entry':
    'The same reading, contract, settlement or claim, byte for byte, is logged at two indexes; the detail names both. The service answers a repeated post with duplicate: true and appends nothing, so the second copy was written past it. The copy is not replayed, so nothing is counted twice, but the log holds an entry the service would not have written: report it to the operator.',
  'duplicate-registration':
    'A participant id or a device id is registered twice, by the same entry logged again or by two different ones; the detail names both. The first registration counts and the second is ignored. One id must name one participant or one device, or energy and readings could be attributed to either: report it to the operator.',
  'unknown-participant':
    'An entry names a participant that no participant entry before it registers: a device’s owner, a contract’s buyer or a claim’s tenant. A registration counts only from where it is logged. What the entry attributes cannot be tied to a registered party; report it to the operator.',
  'participant-role-mismatch':
    'An entry names a participant registered before it, but with another role than its part needs: a wind, solar or storage device belongs to a generator, a consumption meter to a tenant, and a contract’s buyer and a claim’s tenant are tenants. The detail names the role it has and the one needed. The API refuses such an entry with the same code, so this one did not pass through it: report it to the operator.',
  'unknown-device':
    'A reading, a device key entry or a contract names a device that no device entry before it registers. A registration counts only from where it is logged. A reading of such a device cannot have its signature checked and is ignored, and a key entry for it is not kept. Report it to the operator.',
  'bad-reading':
    'A reading breaks a rule the service applies to every reading it takes in: it covers more than an hour or not one interval of the UTC grid, ends after the monitor’s clock (15 minutes allowed for skew), starts before its device was commissioned, or imports or exports more than the device’s capacity can move in the interval. The detail starts with the rule’s code (interval-too-long, misaligned-interval, future-interval, before-commissioning, energy-exceeds-capacity). The reading is still replayed and may have been matched. For future-interval alone, check the monitor machine’s clock first; otherwise report it to the operator and the device’s owner.',
  'chain-break':
    'A device’s readings do not form one chain in log order: a seq used again (seq-conflict), a seq skipped (seq-gap), a prev that is not the leaf hash of the device’s previous reading (bad-prev), or an interval that starts before the previous one ends (overlapping-interval). The detail names the device, the seq and the rule; the entries are the previous reading and this one. Readings were left out, replaced or reordered, so the device’s meter series is not proven whole between them. The chain goes on from this reading (unless it reused a seq), so one break is reported once. Report it to the operator and the device’s owner.',
  'unknown-reading':
    'A settlement names, as a source or as an allocation’s sink, a reading that is no open reading logged before it: not logged, logged after the settlement, or closed already because its interval and zone was matched and it is no supply reading waiting for a late settlement. Energy moved from or to it is not proven. Matching names only readings it read from the log, so the settlement did not come from a matching run of this log as it stands: report it to the operator.',
  'settlement-mismatch':
    'A settlement does not add up or is not well formed: its sources are not listed once each in leaf-hash order, a source’s allocatedWh is not the sum of its allocations, its supplyWh is not its reading’s export, or its reading is no supply reading of the settlement’s interval and zone (a consumption reading, one exporting nothing, one of another hour or zone, or one logged after the settlement). The detail names the source. The matching run checks the same rules before it appends (docs/design.md §5), so this settlement did not pass through them: report it to the operator.',
  'second-settlement':
    'A supply reading is settled twice: listed by a later settlement after one settled it already, or twice by one settlement. Every supply reading is settled exactly once (docs/design.md §5), else its energy is counted twice. The detail names the reading and the settlements; the first listing counts. Report it to the operator.',
  'unsettled-supply':
    'A supply reading was left out where a settlement had to list it: the first settlement of its interval and zone leaves out a supply reading of that hour logged before it (matching reads every one of them), or the late settlements that end a matching run leave out a reading that was late and unsettled when they began. The reading’s energy is then neither matched nor settled late. The detail names the reading and the settlement. Report it to the operator: matching skipped a reading, or the settlement was written by other means.',
  'late-allocations':
    'A settlement allocates energy for an interval and zone matched before: an earlier settlement of that hour and zone exists, or the zone settled a later interval already (matching goes oldest first). After its first settlement an hour takes only late settlements, which allocate nothing. The allocations are not replayed, so a claim resting on them shows as claim-mismatch. The detail says which of the two applies; report it to the operator.',
  'bad-late-settlement':
    'A late settlement (a settlement without allocations of an interval and zone settled before) lists a reading logged before the interval’s first settlement. Matching read that reading, so the first settlement had to list it; a late settlement is only for readings logged after. The detail names the reading and both settlements, and unsettled-supply is usually reported for the same reading. Report it to the operator.',
  'allocation-mismatch':
    'An allocation breaks a settlement rule: it is of zero Wh; its sink is no consumption or storage reading, is of another interval or zone, or is logged after the settlement; it charges storage from storage; its contract is not logged before the settlement, is for another device, is for another tenant than the consuming reading’s owner, or is not valid over the whole interval; or a contract takes more of a source than its share. The detail names the allocation (settlement#position) and the contract. The energy it moves is not proven; report it to the operator.',
  'settlement-not-reproduced':
    'The monitor re-ran matching for the first, allocating settlement of an interval and zone, from the log alone (the readings logged before it, the contracts valid over the interval, the zone’s storage and the green charge it holds), and the settlement is not what the planner gives, byte for byte. The detail names the first differing allocation (its position, source reading, expected and logged Wh, sink and contract), or says the planner allocates nothing there or refuses the rebuilt input. Every allocation may keep the rules and a tenant still get more or less than its share: this is the check that shows it (docs/design.md §7). Report it to the operator with the detail and ask what matching ran on.',
  'source-over-allocated':
    'A settled source’s allocations add up to more than its supplyWh: one reading’s energy is given away more than once. The detail names the source and both figures. Claims resting on it overstate green energy; report it to the operator.',
  'sink-over-allocated':
    'The allocations of a settlement to one reading add up to more than that reading imported: a tenant or a battery is given more green energy than it took. The detail names the reading and both figures. Report it to the operator.',
  'double-claim':
    'An allocation is claimed twice: by two claims, or listed twice by one. A claim uses up the green energy of its allocations for one purpose and beneficiary, so a second claim counts the same Wh again. The detail names the allocation and the claims; the first claim counts, the later one is at fault. Report both to the operator.',
  'claim-mismatch':
    'A claim lists allocations it may not claim, or states a wrong total: an allocation not logged before it, one that charges storage, one that goes to a reading of another participant than its tenant, or one outside its period; or its wh is not the sum of its allocations. The detail names the claim and the allocation. The claim overstates what its tenant may claim: do not rely on it, and report it to the operator.',
  'bad-draw':
    'A battery discharge does not rest on green charge as it must: it names no charge it draws on; a draw names an allocation not logged before it, one that charges no storage, one that charged another device, or one not of an earlier interval; its draws do not add up to its Wh; or a source that is no storage draws. The detail names the allocation and the draw. The energy it passes on is not proven green; report it to the operator.',
  'draw-beyond-charge':
    'A discharge draws more on a charge than the charge still holds: what it left after the battery’s losses, floor(Wh × efficiencyBp / 10000), less what earlier draws took. The detail gives both figures. The battery passes on more green energy than was stored in it; report it to the operator.',
  'draw-not-fifo':
    'A discharge’s draws, each valid on its own, are not first in, first out over the green charge its device held before the interval, as matching draws (docs/design.md §5). The detail lists the draws logged and the ones first in, first out gives. The total is right, but which charges are used up, and so which generation the stored energy came from, is not. Report it to the operator.',
  'state-of-charge':
    'A storage device would hold more green charge than it can store: the green charge held before an interval plus what the interval charges it, after losses, exceeds the energy capacity of its device entry. Draws of the same interval are not subtracted, since within the hour the charge may have come first. The detail names the device and the figures. Green energy was allocated to a battery with no room for it; report it to the operator and check the device’s capacity with its owner.',

  // Warnings (src/domain/monitor/replay-late.ts): the run stays clean.
  'late-supply-unsettled':
    'A warning, not a finding: the run stays clean (exit 0) and the state file is saved. A supply reading of an interval its zone has already matched has no settlement yet. Such a late reading gets a settlement of its own, without allocations, from the late settlements that end a matching run; the log cannot show whether such a step has run since the reading was logged, so the monitor waits. Once late settlements are logged that leave it out, it becomes unsettled-supply. Nothing to do unless the same reading is still listed long after matching should have run again: then ask the operator whether matching runs.',
} as const satisfies Record<MonitorCode, string>;

/** The page of a finding's or warning's code, relative to a gridproof service: beside /problems/{code}, so a finding never reads as an API error. */
export const monitorFindingPage = (code: MonitorCode): string => `/problems/monitor/${code}`;
