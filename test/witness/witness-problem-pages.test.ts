/**
 * The `type` of every problem document the witness sends resolves
 * (RFC 9457 §3.1.1; docs/witnesses.md): a real `gridproof witness` process
 * is made to answer with each code of its table
 * (src/witness/witness-problems.ts), and the page its `type` names is
 * fetched from that process: 200, HTML whatever the Accept header, naming
 * the code, its status and its title. An unknown code, or one only the main
 * service answers with, is a coded 404; no page links a path the witness
 * does not serve.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { signCheckpoint } from '../../src/crypto/checkpoint.ts';
import { formatCosignerPrivateKey, generateCosigner } from '../../src/crypto/cosignature.ts';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { formatAddCheckpoint } from '../../src/domain/witness.ts';
import { errorStatus } from '../../src/errors.ts';
import { witnessProblemExplanation, type WitnessProblemCode } from '../../src/witness/witness-problems.ts';
import { killHard, startWitnessProcess } from '../helpers/witness-process.ts';

const vector = JSON.parse(readFileSync(new URL('../fixtures/c2sp-checkpoints/tree-37-old-13-cosigned.json', import.meta.url), 'utf8')) as {
  origin: string;
  verifier_key: string;
  consistency_proofs: { proof: string[]; old_checkpoint_note?: string }[];
};
const note13 = vector.consistency_proofs[0]!.old_checkpoint_note!;

/** A checkpoint of `origin` signed by a fresh key of that name (so by no key a witness trusts, unless it was given this one). */
function checkpointOf(origin: string, signer = generateSigner(origin)): string {
  return signCheckpoint({ origin, size: 1, root: new Uint8Array(32).fill(7), extensions: [] }, signer);
}

t.test('every code the witness answers with: its type is a page the witness serves', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-pages-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'witness.key');
  writeFileSync(keyFile, `${formatCosignerPrivateKey(generateCosigner('witness.test/pages'))}\n`, { mode: 0o600 });
  // A second trusted log whose state file is damaged: the witness cannot read it, an unexpected failure (500).
  const damagedLog = generateSigner('damaged.test/log');
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  const stateFile = `${createHash('sha256').update(damagedLog.name).digest('hex')}.json`;
  writeFileSync(join(stateDir, stateFile), '{"origin":"another.test/log","size":1,"root":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}\n');

  const witness = await startWitnessProcess(keyFile, [vector.verifier_key, verifierOf(damagedLog).vkey], stateDir);
  t.teardown(() => killHard(witness.child));
  const { url } = witness;
  const post = (body: string, init: RequestInit = {}) => fetch(`${url}/add-checkpoint`, { method: 'POST', body, ...init });

  // One real answer per code of the table, each from what a client (or a log) could send.
  const answers: Record<WitnessProblemCode, () => Promise<Response>> = {
    'bad-request': () => post('old 0\nnot a proof line'),
    'payload-too-large': () => post('x'.repeat(70_000)),
    'not-found': () => fetch(`${url}/checkpoint`),
    'method-not-allowed': () => fetch(`${url}/add-checkpoint`),
    'bad-url': () => fetch(`${url}/%zz`),
    'uri-too-long': () => fetch(`${url}/problems/${'a'.repeat(250)}`),
    'headers-too-large': () => fetch(`${url}/add-checkpoint`, { headers: { 'x-padding': 'a'.repeat(20_000) } }),
    'internal-error': () => post(formatAddCheckpoint(0, [], checkpointOf(damagedLog.name, damagedLog))),
    'unknown-log': () => post(formatAddCheckpoint(0, [], checkpointOf('unknown.test/log'))),
    'bad-log-signature': () => post(formatAddCheckpoint(0, [], checkpointOf(vector.origin))),
    'inconsistent-proof': () => post(formatAddCheckpoint(0, [vector.consistency_proofs[0]!.proof[0]!], note13)),
  };
  t.same(Object.keys(answers).sort(), Object.keys(witnessProblemExplanation).sort(), 'every code of the table is provoked, no other');

  for (const [code, ask] of Object.entries(answers) as Array<[WitnessProblemCode, () => Promise<Response>]>) {
    const answer = await ask();
    t.equal(answer.status, errorStatus[code], `${code}: answered ${errorStatus[code]}`);
    t.match(answer.headers.get('content-type'), /^application\/problem\+json/, `${code}: as a problem document`);
    const problem = (await answer.json()) as { type: string; title: string; code: string };
    t.equal(problem.code, code, `${code}: with its code`);
    // A relative reference, resolved against the request's URL (RFC 3986 §5).
    const type = new URL(problem.type, answer.url);
    t.equal(type.origin, new URL(url).origin, `${code}: its type is on the witness`);
    for (const accept of ['text/html', 'application/problem+json', '*/*']) {
      const page = await fetch(type, { headers: { accept } });
      t.equal(page.status, 200, `${code}: GET ${type.pathname} (Accept ${accept}) is 200`);
      t.match(page.headers.get('content-type'), /^text\/html; charset=utf-8$/, `${code}: HTML`);
      t.match(page.headers.get('content-security-policy'), /default-src 'none'/, `${code}: under a CSP`);
      const html = await page.text();
      t.match(html, `<title>${code}: gridproof witness problem</title>`, `${code}: the witness's page of it`);
      t.match(html, `<h1><code>${code}</code></h1>`, `${code}: names the code`);
      t.match(html, `HTTP status <span class="status">${errorStatus[code]} `, `${code}: its status`);
      t.match(html, `title “${problem.title}”`, `${code}: and the title of the answer, “${problem.title}”`);
    }
  }

  const list = await fetch(`${url}/problems`);
  t.equal(list.status, 200);
  const listed = await list.text();
  for (const code of Object.keys(witnessProblemExplanation)) t.match(listed, `<a href="/problems/${code}">`, `the list links ${code}`);

  // Every link of every page is one the witness serves: no dead link to the main service's pages.
  const pages = [listed, ...(await Promise.all(Object.keys(witnessProblemExplanation).map(async (code) => (await fetch(`${url}/problems/${code}`)).text())))];
  const hrefs = new Set(pages.flatMap((html) => [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!)));
  for (const href of hrefs) t.equal((await fetch(new URL(href, url))).status, 200, `the link ${href} resolves on the witness`);

  for (const unknown of ['no-such-code', 'forbidden', 'toString', '__proto__']) {
    const answer = await fetch(`${url}/problems/${unknown}`);
    t.equal(answer.status, 404, `${unknown}: 404`);
    t.match(answer.headers.get('content-type'), /^application\/problem\+json/);
    t.match(
      await answer.json(),
      { type: '/problems/not-found', code: 'not-found', detail: `no problem code ${unknown}; /problems lists them all` },
      `${unknown}: a coded not-found`,
    );
  }
});
