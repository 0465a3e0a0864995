/**
 * README's shell examples run from a fresh clone: `gridproof` is not on the
 * PATH after `npm ci` (package.json's "bin" is linked only by an install of
 * the package), so every example runs `node bin/gridproof.js …` or `npm run
 * …`, never a bare `gridproof …`, and README says so where it names commands
 * as `gridproof <command>`. README says how to stop the service `npm start`
 * runs (npm's PID is not the service's), and where a certifier's token for
 * `monitor` comes from (docs/walkthrough.md step 8, which has that request).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { COMMANDS } from '../../src/cli/usage.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

t.test("README's shell examples never run a bare gridproof", async (t) => {
  const blocks = [...readme.matchAll(/^```(?:sh|bash|shell)\n([^]*?)^```$/gm)].map((m) => m[1]!);
  t.ok(blocks.length > 0, 'README has shell examples');
  const bare = new RegExp(`(^|[\\s:;&|(])gridproof (${COMMANDS.join('|')})\\b`);
  for (const line of blocks.flatMap((block) => block.split('\n'))) {
    if (/gridproof/.test(line)) t.notMatch(line, bare, `runnable from a clone: ${line.trim()}`);
  }
  const examples = blocks.join('\n');
  t.match(examples, /^node bin\/gridproof\.js demo --server /m, 'the demo against a service of your own');
  t.match(readme, /`gridproof` is not on your `PATH`/, 'README says gridproof is not on the PATH');
  t.match(readme, /`gridproof <command>` names a command, run as `node bin\/gridproof\.js <command>`/, 'and how a named command is run');
  t.match(readme, /`npm run\s+gridproof -- <command>`/, 'npm run gridproof -- too');
  const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
  t.equal(scripts.gridproof, 'node bin/gridproof.js', 'package.json has the gridproof script README names');
});

t.test('README says how to stop the service and where the monitor gets a certifier token', async (t) => {
  t.match(readme, /To stop the service, press Ctrl-C in its terminal/, 'Ctrl-C');
  t.match(readme, /killing npm's PID leaves\s+the service running/, "npm's PID is not the service's");
  t.match(readme, /start it with `node bin\/gridproof\.js serve` directly/, 'run serve directly for a PID of its own');
  t.match(readme, /`gridproof monitor URL --token T`[^]*?docs\/walkthrough\.md step 8/, 'monitor points to the walkthrough');
  const walkthrough = readFileSync(new URL('../../docs/walkthrough.md', import.meta.url), 'utf8');
  const step8 = walkthrough.slice(walkthrough.indexOf('**8. '));
  t.match(step8, /^\*\*8\. The proof bundle, verified offline\.\*\*/, 'step 8 is the one README names');
  t.match(step8, /"role":"certifier"/, 'step 8 registers a certifier');
  t.match(step8, /gridproof\.js monitor \$GP --token \$CERT/, 'and runs the monitor with its token');
});
