/**
 * The lint gate holds the layer boundaries (eslint.config.js): a route that
 * imports the store, or pure code that imports Node, is reported as an error.
 * ESLint runs on planted text under the real paths, with the repository's own
 * configuration; nothing is written to disk.
 */
import { ESLint } from 'eslint';
import t from 'tap';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restricted(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' && m.severity === 2).map((m) => m.message);
}

t.test('a route importing db/ is reported', async (t) => {
  const messages = await restricted('src/routes/planted.ts', "import { readEntry } from '../db/log.ts';\nexport const planted = readEntry;\n");
  t.equal(messages.length, 1);
  t.match(messages[0], /routes are HTTP only/);
});

t.test('a route importing a use case is not', async (t) => {
  t.same(await restricted('src/routes/planted.ts', "import { UseCases } from '../ledger/use-cases.ts';\nexport const planted = UseCases;\n"), []);
});

t.test('domain/ and crypto/ may not import Node, the database or fastify', async (t) => {
  for (const [path, from] of [
    ['src/domain/planted.ts', 'node:crypto'],
    ['src/crypto/planted.ts', 'node:fs'],
    ['src/domain/planted.ts', 'kysely'],
    ['src/crypto/planted.ts', 'pg'],
    ['src/domain/planted.ts', 'fastify'],
    ['src/domain/planted.ts', '../db/log.ts'],
  ]) {
    const messages = await restricted(path!, `import * as planted from '${from}';\nexport { planted };\n`);
    t.equal(messages.length, 1, `${path} importing ${from}`);
  }
});

t.test('the tree as it stands has no lint error or warning', async (t) => {
  const results = await eslint.lintFiles(['src/routes', 'src/domain', 'src/crypto', 'src/ledger']);
  const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId} ${m.message}`));
  t.same(problems, []);
});
