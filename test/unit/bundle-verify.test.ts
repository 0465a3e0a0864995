/**
 * The offline bundle verifier (src/domain/bundle/verify-bundle.ts) against
 * bundles built here, purely: test/helpers/bundle-park.ts writes a park's log
 * entry by entry, matched hour by hour as the ledger matches it, and cuts a
 * bundle from it as the server's builder would. Tampered logs are written the
 * same way with one rule broken and every entry properly signed, so only the
 * rule can catch it.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { fromBase64, toBase64, utf8 } from '../../src/crypto/base64.ts';
import { generateSigner, signNote, verifierOf } from '../../src/crypto/note.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { allocationId, allocationsOf, parseAllocationId } from '../../src/domain/allocation-id.ts';
import { scoreOf, verifyBundle, type Bundle, type BundleCode } from '../../src/domain/bundle/verify-bundle.ts';
import type { Allocation, Draw, Payload, SettledSource, SettlementPayload } from '../../src/domain/payloads.ts';
import { lotWh } from '../../src/domain/storage-lots.ts';
import {
  allocationsTo,
  BATTERY,
  check,
  codes,
  copy,
  cutBundle,
  device,
  hourAt,
  LOG_KEY,
  logSigner,
  meteredAt,
  operator,
  ORIGIN,
  otherLogSigner,
  payloadsOf,
  readingDevice,
  resolveIn,
  writePark,
  type Tamper,
} from '../helpers/bundle-park.ts';

const park = writePark();
const reference = cutBundle(park, 't1');
const claimBundle = cutBundle(park, 't1', { claim: true });

t.test('the reference bundle verifies', async (t) => {
  const verdict = await verifyBundle(reference, { logKey: LOG_KEY }); // WebCrypto (noble where absent), the browser's path
  t.same(verdict.reasons, []);
  t.equal(verdict.valid, true);
  t.equal(verdict.claimed, false, 'a tenant-period bundle claims nothing');
  t.same(verdict.statement, reference.statement);

  // The figures by hand: meter-1 imports 1500 + 10 h, except 4000 at 20:00.
  const consumed = Array.from({ length: 24 }, (_, h) => (h === 20 ? 4000 : 1500 + 10 * h)).reduce((a, b) => a + b, 0);
  t.equal(reference.statement.consumedWh, String(consumed));
  t.equal(reference.statement.intervals.length, 24);
  const sources = new Set(reference.statement.intervals.flatMap((i) => i.bySource.map((s) => s.device)));
  t.same([...sources].sort(), ['bat-1', 'solar-1', 'wind-1', 'wind-2'], 'two wind, one solar and the battery supplied t1');
  const evening = reference.statement.intervals[20]!;
  t.ok(
    evening.bySource.some((s) => s.device === 'bat-1' && BigInt(s.wh) > 0n),
    'the evening discharge reached t1',
  );
  t.ok(BigInt(reference.statement.unmatchedEmissionsG ?? -1) > 0n, 'some consumption stayed unmatched');
  t.equal(reference.statement.cfeScore, scoreOf(reference.statement.matchedWh, reference.statement.consumedWh));
  t.ok(reference.entries.length > 100, `${reference.entries.length} entries, ${JSON.stringify(reference).length} bytes`);

  const stale = cutBundle(writePark({ rotateOperator: { hour: 8, stale: true } }), 't1');
  const staleVerdict = await verifyBundle(stale, { logKey: LOG_KEY });
  t.same([...new Set(staleVerdict.reasons.map((r) => r.code))], ['bad-signature'], 'the batched path refuses what the synchronous one does');
  t.same(staleVerdict.reasons, (await check(stale)).reasons, 'with the same reasons, in the same order');

  const t2 = cutBundle(park, 't2');
  t.same((await check(t2)).reasons, [], "the other tenant's bundle verifies too");
  t.same((await check({ ...reference, entries: [...reference.entries].reverse() })).reasons, [], 'entry order does not matter');
});

t.test('a claim bundle verifies and says the energy is claimed', async (t) => {
  const verdict = await check(claimBundle);
  t.same(verdict.reasons, []);
  t.equal(verdict.claimed, true);
  t.equal(verdict.statement?.claim?.purpose, 'cbam');
  t.ok(BigInt(claimBundle.statement.claim!.wh) > 0n && BigInt(claimBundle.statement.claim!.wh) <= 20_000n);

  const wh = copy(claimBundle);
  wh.statement.claim!.wh = String(BigInt(wh.statement.claim!.wh) + 1n);
  t.same(await codes(wh), ['claim-mismatch'], 'claimed Wh + 1');
  const beneficiary = copy(claimBundle);
  beneficiary.statement.claim!.beneficiary = 'Someone Else';
  t.same(await codes(beneficiary), ['claim-mismatch'], 'another beneficiary');
  const dropped = copy(claimBundle);
  delete dropped.statement.claim;
  t.same(await codes(dropped), ['claim-mismatch'], 'a claim entry the statement does not name');
  const noEntry = copy(claimBundle);
  noEntry.entries = noEntry.entries.filter((e) => !e.bytes.includes('"kind":"claim"'));
  t.same(await codes(noEntry), ['missing-entry'], 'a statement claim without its entry');
  const period = copy(claimBundle);
  period.statement.period.start = hourAt(1);
  t.ok((await codes(period)).includes('claim-mismatch'), 'another period');
});

t.test('a single flipped byte never verifies', async (t) => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const tally = { unusable: 0, invalid: 0 };
  // A flip is the byte XOR a mask (1…255) or, for a mask above 255, the printable character mask − 256 (another one if equal).
  const mask = fc.oneof(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 256 + 0x20, max: 256 + 0x7e }));
  const flips = async (bundle: Bundle, regions: Array<{ from?: string; to?: string; runs: number }>) => {
    const text = JSON.stringify(bundle);
    const bytes = utf8(text);
    const offset = (marker: string | undefined, otherwise: number) => (marker === undefined ? otherwise : utf8(text.slice(0, text.indexOf(marker))).length);
    const flip = async (position: number, m: number): Promise<boolean> => {
      const flipped = bytes.slice();
      if (m < 256) flipped[position]! ^= m;
      else flipped[position] = flipped[position] === m - 256 ? (m === 256 + 0x7e ? 0x20 : m - 255) : m - 256;
      assert.notEqual(flipped[position], bytes[position]);
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoder.decode(flipped));
      } catch {
        tally.unusable++; // the caller's 'unusable input'
        return true;
      }
      const verdict = await check(parsed);
      if (verdict.valid || verdict.reasons.length === 0) return false;
      tally.invalid++;
      return true;
    };
    for (const { from, to, runs } of regions) {
      const [lo, hi] = [offset(from, 0), offset(to, bytes.length)];
      await fc.assert(fc.asyncProperty(fc.integer({ min: lo, max: hi - 1 }), mask, flip), { numRuns: runs });
    }
    t.ok((await check(JSON.parse(text))).valid, 'the unflipped text verifies');
  };

  await flips(claimBundle, [{ runs: 1500 }, { from: '"statement"', to: '"checkpoint"', runs: 200 }, { from: '"checkpoint"', to: '"entries"', runs: 100 }]);
  await flips(reference, [{ runs: 500 }, { from: '"statement"', to: '"checkpoint"', runs: 200 }, { to: '"statement"', runs: 30 }]);
  t.equal(tally.unusable + tally.invalid, 2530);
  t.ok(tally.invalid > 1000 && tally.unusable > 100, `${tally.invalid} parsed and were rejected, ${tally.unusable} no longer parsed`);
});

t.test('each tamper is rejected with its own code', async (t) => {
  const t1Reading = (h: number) => reference.entries.find((e) => e.bytes.includes('"device":"meter-1"') && e.bytes.includes(`"start":"${hourAt(h)}"`))!;

  const removed = copy(reference);
  removed.entries = removed.entries.filter((e) => e !== removed.entries.find((x) => x.index === t1Reading(10).index));
  t.ok((await codes(removed)).includes('missing-entry'), 'an entry removed: missing-entry');

  const duplicated = copy(reference);
  duplicated.entries.push({ ...duplicated.entries[40]! });
  t.same(await codes(duplicated), ['duplicate-entry'], 'an entry duplicated');
  const twice = copy(reference);
  twice.entries.push({ ...twice.entries[40]!, index: twice.entries[41]!.index + 100 });
  t.ok((await codes(twice)).includes('duplicate-entry'), 'the same bytes under another index');

  const other = payloadsOf(park, 'reading').find((e) => e.payload.device === 'meter-2' && e.payload.start === hourAt(10))!;
  const swapped = copy(reference);
  swapped.entries = swapped.entries.map((e) =>
    e.index === t1Reading(10).index ? { index: other.index, bytes: other.note, proof: park.proof(other.index) } : e,
  );
  t.ok((await codes(swapped)).includes('foreign-entry'), "an entry swapped for another tenant's reading: foreign-entry");

  const older = copy(reference);
  older.checkpoint = park.checkpoint(park.entries.length - 1);
  t.same(await codes(older), ['bad-inclusion'], 'an older checkpoint');

  const plusOne = copy(reference);
  plusOne.statement.consumedWh = String(BigInt(plusOne.statement.consumedWh) + 1n);
  t.same(await codes(plusOne), ['statement-mismatch'], 'consumedWh + 1 Wh');
  const intervalPlusOne = copy(reference);
  intervalPlusOne.statement.intervals[12]!.bySource[0]!.wh = String(BigInt(intervalPlusOne.statement.intervals[12]!.bySource[0]!.wh) + 1n);
  t.same(await codes(intervalPlusOne), ['statement-mismatch'], 'one source of one hour + 1 Wh');
  const period = copy(reference);
  period.statement.period.end = '2025-03-03T00:00:00Z';
  t.same(await codes(period), ['statement-mismatch'], 'a wider period than the readings');

  const windKey = payloadsOf(park, 'key').find((e) => e.payload.subjectId === 'wind-1')!;
  const meter2Key = payloadsOf(park, 'key').find((e) => e.payload.subjectId === 'meter-2')!;
  const replaced = copy(reference);
  replaced.entries = replaced.entries.map((e) =>
    e.index === windKey.index ? { index: meter2Key.index, bytes: meter2Key.note, proof: park.proof(meter2Key.index) } : e,
  );
  t.same(await codes(replaced), ['no-valid-key'], 'a key entry replaced by one of another key');

  const foreignCheckpoint = copy(reference);
  foreignCheckpoint.checkpoint = park.checkpoint(park.entries.length, otherLogSigner, otherLogSigner.name);
  t.same(await codes(foreignCheckpoint), ['bad-checkpoint'], "another log's checkpoint");
  const wrongOrigin = copy(reference);
  wrongOrigin.checkpoint = park.checkpoint(park.entries.length, logSigner, 'other.example/park');
  t.same(await codes(wrongOrigin), ['bad-checkpoint'], 'a checkpoint of another origin signed by the log key');
  t.ok(
    (await check(reference, verifierOf(otherLogSigner).vkey)).reasons.some((r) => r.code === 'bad-checkpoint'),
    'pinned to another log',
  );

  t.same(await codes({ ...reference, mediaType: 'application/json' }), ['bad-media-type']);
  t.same(await codes({ ...reference, extra: 1 }), ['bad-schema']);
  t.same(
    (await check({ ...reference, extra: 1 })).reasons,
    [{ code: 'bad-schema', detail: 'bundle: unknown property extra' }],
    'the violation is named in the words every schema error is given in, from the bundle root',
  );
  const { statement: _statement, ...noStatement } = reference;
  t.same((await check(noStatement)).reasons, [{ code: 'bad-schema', detail: 'bundle: missing required property statement' }]);
  t.same(await codes([reference]), ['bad-schema']);
  await t.rejects(verifyBundle(reference, { logKey: 'not a key' }), { code: 'bad-verifier-key' }, "a malformed log key is the caller's unusable input");
  const lenient = copy(reference);
  const node = lenient.entries[5]!.proof[0]!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  lenient.entries[5]!.proof[0] = `${node.slice(0, 42)}${alphabet[alphabet.indexOf(node[42]!) + 1]}=`; // non-zero padding bits
  t.throws(() => fromBase64(lenient.entries[5]!.proof[0]!), { code: 'bad-base64' });
  t.same(await codes(lenient), ['bad-schema'], 'non-canonical base64 in a proof');
  const noZero = copy(reference);
  noZero.entries = noZero.entries.filter((e) => e.index !== 0);
  t.ok((await codes(noZero)).includes('missing-entry'), 'entry 0 left out');
});

t.test('tampered logs, every entry properly signed: only the rule catches it', async (t) => {
  const rejectedWith = async (tamper: Tamper, expected: BundleCode[], what: string, claim = false) =>
    t.same(await codes(cutBundle(writePark(tamper), 't1', { claim })), expected, what);

  // Settlements: each checkable alone, since it holds its interval and zone whole.
  const lastSource = (s: SettlementPayload, edit: (source: SettledSource, sinkAt: number) => SettledSource, extraSink: string): SettlementPayload => {
    // The extra sink takes its place in order; the allocations' sink positions follow.
    const sinks = [...s.sinks, extraSink].sort();
    const moved = s.sources.map((source) => ({ ...source, allocations: source.allocations.map((a) => ({ ...a, sink: sinks.indexOf(s.sinks[a.sink]!) })) }));
    return { ...s, sinks, sources: moved.map((source, i) => (i === moved.length - 1 ? edit(source, sinks.indexOf(extraSink)) : source)) };
  };
  await rejectedWith(
    {
      // Appended last, so that no other allocation changes position.
      settlement: (s, h) =>
        h === 9
          ? lastSource(
              s,
              (source, sinkAt) => ({
                ...source,
                allocations: [...source.allocations, { sink: sinkAt, wh: source.supplyWh }],
                allocatedWh: String(BigInt(source.allocatedWh) + BigInt(source.supplyWh)),
              }),
              toBase64(sha256(utf8('elsewhere'))),
            )
          : s,
    },
    ['source-over-allocated'],
    'a settlement that allocates more than the export',
  );
  const reversedSinks = (s: SettlementPayload): SettlementPayload => ({
    ...s,
    sinks: [...s.sinks].reverse(),
    sources: s.sources.map((source) => ({ ...source, allocations: source.allocations.map((a) => ({ ...a, sink: s.sinks.length - 1 - a.sink })) })),
  });
  await rejectedWith(
    { settlement: (s, h) => (h === 10 && s.sinks.length > 1 ? reversedSinks(s) : s) },
    ['bad-entry', 'foreign-entry', 'statement-mismatch'],
    'the same allocations with their sinks out of order: the settlement is unreadable, so what rests on it fails too',
  );
  await rejectedWith(
    {
      settlement: (s, h) =>
        h === 3
          ? {
              ...s,
              sources: s.sources.map((source, i) =>
                i === s.sources.length - 1 ? { ...source, allocatedWh: String(BigInt(source.allocatedWh) - 1n) } : source,
              ),
            }
          : s,
    },
    ['settlement-mismatch'],
    'an allocatedWh that is not the sum of the allocations',
  );
  await rejectedWith(
    { reading: (r, h) => (r.device === 'wind-2' && h === 4 ? { ...r, exportWh: String(BigInt(r.exportWh) + 1n) } : r) },
    ['settlement-mismatch'],
    'a supplyWh that is not the export of the reading logged',
  );
  await rejectedWith(
    { settlement: (s, h) => (h === 6 ? { ...s, sources: [...s.sources].reverse() } : s) },
    ['settlement-mismatch'],
    'sources out of leaf-hash order',
  );
  await rejectedWith(
    {
      // A second settlement of midnight, when t1 is not fully matched, that gives t1 100 Wh more of wind-1.
      extraSettlement: (s, h) => {
        if (h !== 0) return undefined;
        const ppa = s.sources.flatMap((source) => source.allocations.map((a) => ({ source, a }))).find(({ a }) => a.contract !== undefined)!;
        return { ...s, sinks: [s.sinks[ppa.a.sink]!], sources: [{ ...ppa.source, allocatedWh: '100', allocations: [{ sink: 0, wh: '100' }] }] };
      },
    },
    ['settlement-mismatch'],
    'a reading settled twice, an interval and zone allocated twice',
  );
  // A late settlement (it allocates nothing) of a reading the bundle does not carry: the statement rests on none of it.
  const late = writePark({
    extraSettlement: (s, h) =>
      h === 2 ? { ...s, sinks: [], sources: [{ reading: toBase64(sha256(utf8('late'))), supplyWh: '5', allocatedWh: '0', allocations: [] }] } : undefined,
  });
  const lateEntry = payloadsOf(late, 'settlement').find((e) => e.payload.sources.length === 1 && e.payload.sources[0]!.allocations.length === 0)!;
  const withLate = cutBundle(late, 't1');
  t.same(await codes(withLate), [], 'without the late settlement the bundle verifies');
  withLate.entries.push({ index: lateEntry.index, bytes: lateEntry.note, proof: late.proof(lateEntry.index) });
  t.same(await codes(withLate), ['foreign-entry'], 'a settlement holding nothing the statement uses is foreign');

  // The battery logs less import at noon than the matching charged it with.
  const noonCharge = writePark({ reading: (r, h) => (r.device === 'bat-1' && h === 12 ? { ...r, importWh: '500' } : r) });
  const charged = payloadsOf(noonCharge, 'settlement').find((e) => e.payload.start === hourAt(12))!;
  const toBattery = allocationsOf(charged.payload).filter((a) => readingDevice(noonCharge, a.sink) === 'bat-1');
  t.ok(toBattery.reduce((sum, a) => sum + BigInt(a.wh), 0n) > 500n, 'the noon charges exceed 500 Wh');
  t.same(await codes(cutBundle(noonCharge, 't1')), ['sink-over-allocated'], "allocations to a reading beyond its import (the battery's)");

  // Contracts and claims.
  await rejectedWith({ contract: (c) => ({ ...c, validFrom: hourAt(5) }) }, ['allocation-mismatch'], 'contract allocations before the contract is valid');
  // At 05:00 ppa-1 takes exactly its share, half of wind-1's 1100 Wh; 1 Wh of wind-1's pool to meter-1 moves to it.
  const ppaAt5 = allocationsTo(park, 't1').find((a) => a.entry.payload.start === hourAt(5) && a.rule === 'contract')!;
  t.equal(ppaAt5.wh, '550', 'ppa-1 takes its whole share at 05:00');
  const overShare = (s: SettlementPayload): SettlementPayload => ({
    ...s,
    sources: s.sources.map((source) => {
      const ppa = source.allocations.find((a) => a.contract !== undefined);
      const pool = source.allocations.find((a) => a.contract === undefined && a.sink === ppa?.sink);
      if (ppa === undefined || pool === undefined) return source;
      const moved = (a: Allocation, wh: bigint): Allocation => ({ ...a, wh: String(BigInt(a.wh) + wh) });
      return { ...source, allocations: source.allocations.map((a) => (a === ppa ? moved(a, 1n) : a === pool ? moved(a, -1n) : a)) };
    }),
  });
  await rejectedWith({ settlement: (s, h) => (h === 5 ? overShare(s) : s) }, ['allocation-mismatch'], "a contract allocation 1 Wh beyond the contract's share");
  await rejectedWith({ claim: (c) => ({ ...c, allocations: [...c.allocations].reverse() }) }, ['claim-mismatch'], 'a claim not oldest first', true);
  await rejectedWith(
    {
      claim: (c, log) => {
        const t2 = allocationsTo(log, 't2').find((a) => a.entry.payload.start === hourAt(0))!;
        return { ...c, allocations: [allocationId(t2.entry.leafHash, t2.position), ...c.allocations], wh: String(BigInt(c.wh) + BigInt(t2.wh)) };
      },
    },
    ['claim-mismatch'],
    "a claim of another tenant's allocation",
    true,
  );
  await rejectedWith(
    { claim: (c) => ({ ...c, allocations: [`${parseAllocationId(c.allocations[0]!).settlement}#999`, ...c.allocations.slice(1)] }) },
    ['claim-mismatch'],
    'a claim of a position its settlement does not hold',
    true,
  );

  // Storage.
  const discharging = (s: SettlementPayload, edit: (draws: Draw[]) => Draw[]): SettlementPayload => ({
    ...s,
    sources: s.sources.map((source) => ({ ...source, allocations: source.allocations.map((a) => (a.draws ? { ...a, draws: edit(a.draws) } : a)) })),
  });
  await rejectedWith(
    { settlement: (s, h) => (h === 20 ? discharging(s, ([first, ...rest]) => [{ ...first!, wh: String(BigInt(first!.wh) - 1n) }, ...rest]) : s) },
    ['storage-mismatch'],
    'draws that do not add up to the discharge',
  );
  await rejectedWith(
    {
      settlement: (s, h) =>
        h === 20 ? discharging(s, (draws) => draws.map((d, i) => ({ ...d, allocation: `${parseAllocationId(d.allocation).settlement}#${900 + i}` }))) : s,
    },
    ['storage-mismatch'],
    'draws on a position the charge settlement does not hold',
  );
  // The operator's matching credits the battery with three times the charge after losses.
  const beyond = writePark({ lotsAfter: (lots, h) => (h === 12 ? lots.map((l) => ({ ...l, remainingWh: l.remainingWh * 3n })) : lots) });
  const [draw] = allocationsTo(beyond, 't1').find((a) => a.draws)!.draws!;
  const drawn = resolveIn(beyond, draw!.allocation)!;
  t.same([draw!.wh, lotWh(BigInt(drawn.wh), BATTERY.efficiencyBp)], ['621', 207n], 'the first draw takes 621 Wh of a charge holding 207 Wh after losses');
  t.same(await codes(cutBundle(beyond, 't1')), ['storage-mismatch'], 'a draw beyond the charge after losses');
  // A second battery charges at noon too, and the matching files each battery's lots under the other.
  const otherBattery = writePark({
    park: (devices) => [...devices, device('bat-2', 'gen', 'storage', BATTERY, (h) => (h === 12 ? [1000, 0] : [0, 0]))],
    lotsAfter: (lots, h) => (h === 12 ? lots.map((l) => ({ ...l, device: l.device === 'bat-1' ? 'bat-2' : 'bat-1' })) : lots),
  });
  const [onOther] = allocationsTo(otherBattery, 't1').find((a) => a.draws)!.draws!;
  t.equal(readingDevice(otherBattery, resolveIn(otherBattery, onOther!.allocation)!.sink), 'bat-2', "bat-1's discharge draws on a charge of bat-2");
  t.same(await codes(cutBundle(otherBattery, 't1')), ['storage-mismatch'], "a draw on another battery's charge");
  // bat-1 charges again at 22:00, when meter-1 takes nothing. That charge's settlement does not depend on
  // the 20:00 one, so a second log can name it, by its leaf hash, in the discharge of 20:00.
  const lateCharge: Tamper = {
    park: (devices) => devices.map((d) => (d.payload.id === 'bat-1' ? meteredAt(d, 22, [1000, 0]) : d.payload.id === 'meter-1' ? meteredAt(d, 22, [0, 0]) : d)),
  };
  const later = writePark(lateCharge);
  const at22 = payloadsOf(later, 'settlement').find((e) => e.payload.start === hourAt(22))!;
  const charge22 = allocationsOf(at22.payload).find((a) => readingDevice(later, a.sink) === 'bat-1')!;
  const early = writePark({
    ...lateCharge,
    settlement: (s, h) =>
      h === 20 ? discharging(s, ([first, ...rest]) => [{ ...first!, allocation: allocationId(at22.leafHash, charge22.position) }, ...rest]) : s,
  });
  t.ok(
    early.entries.some((e) => e.leafHash === at22.leafHash),
    'the second log holds the same 22:00 settlement',
  );
  t.same(await codes(cutBundle(early, 't1')), ['storage-mismatch'], 'a draw on a charge that is not before the discharge');
  await rejectedWith({ device: (d) => (d.id === 'wind-2' ? { ...d, biddingZone: 'FR' } : d) }, ['settlement-mismatch'], 'a source outside the allocation zone');
  await rejectedWith(
    { reading: (r, h) => (r.device === 'meter-1' && h === 5 ? { ...r, prev: toBase64(sha256(utf8('not seq 4'))) } : r) },
    ['broken-chain'],
    'a reading that does not chain',
  );
  await rejectedWith(
    {
      note: (note, p) => {
        if (p.kind !== 'reading' || p.device !== 'meter-1' || p.start !== hourAt(3)) return note;
        const line = note.slice(note.lastIndexOf('\n\n') + 2, -1);
        const signature = fromBase64(line.slice(line.lastIndexOf(' ') + 1));
        signature[10]! ^= 1;
        return `${note.slice(0, note.lastIndexOf(' ') + 1)}${toBase64(signature)}\n`;
      },
    },
    ['bad-signature'],
    'a reading whose signature does not verify',
  );
  await rejectedWith({ rotateOperator: { hour: 8 } }, [], 'an operator key rotation: later entries verify under the new key');
  await rejectedWith({ rotateOperator: { hour: 8 } }, [], 'and the claim after it', true);
  await rejectedWith({ rotateOperator: { hour: 8, stale: true } }, ['bad-signature'], 'operator entries signed with the key rotated out');
  await rejectedWith({ rotateOperator: { hour: 8, byOldKey: true } }, ['bad-signature'], 'a rotation signed by the old operator key, not the log key');
  await rejectedWith({ rotateMeter: { hour: 12 } }, [], 'a meter key rotation: each reading under the key whose window holds it');
  await rejectedWith({ rotateMeter: { hour: 12, stale: true } }, ['no-valid-key'], 'readings signed with a key after its validUntil');
  await rejectedWith(
    { note: (note, p) => (p.kind === 'participant' && p.id === 'gen' ? note.replace(`"log":"${ORIGIN}"`, '"log":"other.example/park"') : note) },
    ['bad-entry'],
    'an entry of another log',
  );
});

t.test("an entry with any signature line beyond its signer's is a bad entry (extra-signature)", async (t) => {
  const junk = generateSigner('relay/junk');
  const addLine = (extra: (text: string, note: string) => string) => (note: string, p: Payload) => {
    if (p.kind !== 'reading' || p.device !== 'meter-1' || p.seq !== 3) return note;
    const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
    return `${note}${extra(text, note)}`;
  };
  const cases: Array<[string, (text: string, note: string) => string]> = [
    ['a line by an unknown key', (text) => signNote(text, [junk]).slice(text.length + 1)],
    ['its own line twice', (text, note) => note.slice(text.length + 1)],
    ['a line by the operator key, which the log knows', (text) => signNote(text, [operator]).slice(text.length + 1)],
  ];
  for (const [what, extra] of cases) {
    const verdict = await check(cutBundle(writePark({ note: addLine(extra) }), 't1'));
    t.same([...new Set(verdict.reasons.map((r) => r.code))], ['bad-entry'], what);
    t.match(verdict.reasons[0]?.detail, /extra-signature/, `${what}: the detail names the rule`);
  }
});

t.test('removing any entry the statement rests on never verifies', async (t) => {
  // Extra registry entries are allowed, so the operator's and the generator's participant entries may go.
  const optional = new Set(
    payloadsOf(park, 'participant')
      .filter((e) => e.payload.id !== 't1')
      .map((e) => e.index),
  );
  const required = claimBundle.entries.filter((e) => !optional.has(e.index));
  t.ok(required.length > 100, 'the reference bundle rests on many entries');
  let refused = 0;
  for (const entry of claimBundle.entries) {
    const without = { ...claimBundle, entries: claimBundle.entries.filter((e) => e !== entry) };
    const verdict = await check(without);
    if (optional.has(entry.index)) assert.ok(verdict.valid, `entry ${entry.index} is optional`);
    else if (!verdict.valid) refused++;
  }
  t.equal(refused, required.length, 'removing any required entry is refused');
  await fc.assert(
    fc.asyncProperty(fc.shuffledSubarray(claimBundle.entries, { minLength: 2, maxLength: 2 }), async ([a, b]) => {
      // Two entries' proofs exchanged: each proof is for its own index only.
      const swapped = claimBundle.entries.map((e) => (e === a ? { ...a, proof: b!.proof } : e === b ? { ...b, proof: a!.proof } : e));
      return a!.proof.join() === b!.proof.join() || (await codes({ ...claimBundle, entries: swapped })).includes('bad-inclusion');
    }),
    { numRuns: 100 },
  );
});
