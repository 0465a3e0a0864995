/**
 * README's shell examples run from a fresh clone: `gridproof` is not on the
 * PATH after `npm ci` (package.json's "bin" is linked only by an install of
 * the package), so every example runs `node bin/gridproof.js …` or `npm run
 * …`, never a bare `gridproof …`, and README says so where it names commands
 * as `gridproof <command>`.
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
