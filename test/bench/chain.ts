/**
 * The device chain endpoint on PostgreSQL: GET /v1/devices/{id}/chain answers
 * from the head the database keeps (migration 013), so its cost must not grow
 * with the chain. Measured at 5,000 and 35,000 readings of one device, beside
 * the explicit re-verification of the whole chain through
 * GET /v1/devices/{id}/chain/verification (1000 readings a page), which is
 * what every call to the chain endpoint cost before. Checks that the head is
 * the last reading posted and that the verification finds the chain valid.
 */
import { toBase64 } from '../../src/crypto/base64.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { chunk, MeterChain, note, onCleanup, scaled, timed, type Row, type Section } from './lib.ts';

const SIZES = [scaled(5_000, 1_000, 1_000), scaled(35_000, 2_000, 1_000)];
const HEAD_CALLS = scaled(500, 50);

export async function benchChain(): Promise<Section> {
  const testApp = await startTestApp('postgres');
  onCleanup(testApp.close);
  const { app } = testApp;
  const generator = await addParticipant(app, 'generator', 'bench-chain');
  const key = await addDevice(app, { id: 'wind-chain', owner: generator.id, type: 'wind' });
  const meter = new MeterChain('wind-chain', key.signer);
  const headers = auth(OPERATOR_TOKEN);
  const rows: Row[] = [];
  let posted = 0;
  let lastLeaf = '';
  let headAtFirst: number | undefined;
  for (const size of SIZES) {
    note(`chain: posting readings up to ${size}`);
    const readings = Array.from({ length: size - posted }, () => meter.next());
    for (const batch of chunk(readings, 1000)) {
      const response = await app.inject({ method: 'POST', url: '/v1/entries', headers: auth(generator.token), payload: { entries: batch.map((r) => r.note) } });
      const results = response.json().results as Array<{ error?: unknown }>;
      if (response.statusCode !== 200 || results.some((r) => r.error)) throw new Error(`ingest refused: ${response.body.slice(0, 300)}`);
    }
    posted = size;
    lastLeaf = toBase64(readings.at(-1)!.leafHash);

    const head = await timed(async () => {
      let body: { length: number; head: { leafHash: string } } | undefined;
      for (let i = 0; i < HEAD_CALLS; i++) body = (await app.inject({ url: '/v1/devices/wind-chain/chain', headers })).json();
      return body!;
    });
    if (head.value.length !== size || head.value.head.leafHash !== lastLeaf) throw new Error(`wrong head: ${JSON.stringify(head.value)}`);
    const headUs = (head.ms * 1000) / HEAD_CALLS;
    headAtFirst ??= headUs;

    note(`chain: re-verifying ${size} readings page by page`);
    const full = await timed(async () => {
      let fromSeq: number | null = 0;
      let checked = 0;
      while (fromSeq !== null) {
        const page: { valid: boolean; checked: number; nextSeq: number | null } = (
          await app.inject({ url: `/v1/devices/wind-chain/chain/verification?fromSeq=${fromSeq}`, headers })
        ).json();
        if (!page.valid) throw new Error(`verification found a break: ${JSON.stringify(page)}`);
        checked += page.checked;
        fromSeq = page.nextSeq;
      }
      return checked;
    });
    if (full.value !== size) throw new Error(`verified ${full.value} of ${size}`);

    rows.push({
      figure: `GET /v1/devices/{id}/chain at ${size.toLocaleString('en-US')} readings`,
      value: headUs,
      unit: 'µs/call',
      baseline: headAtFirst,
      baselineLabel: `(the same call at ${SIZES[0]!.toLocaleString('en-US')})`,
      detail: `${HEAD_CALLS} calls over app.inject`,
      summary: true,
    });
    rows.push({
      figure: `full paged re-verification at ${size.toLocaleString('en-US')} readings (what each chain call cost before)`,
      value: full.ms * 1000,
      unit: 'µs/call',
      baseline: headUs,
      baselineLabel: '(the head call)',
      summary: true,
    });
  }
  return {
    title: 'Chain head vs full re-verification (PostgreSQL, one device)',
    rows,
    notes: [
      'ratio of the head rows: cost at this size over cost at the first size (≈ 1 means constant time); of the re-verification rows: how many head calls one re-verification costs',
    ],
  };
}
