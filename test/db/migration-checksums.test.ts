/**
 * The migration runner records the SHA-256 of each applied file and stops the
 * start when an applied file no longer matches (`migration-changed`, naming
 * the file), applying nothing; a database migrated before checksums were
 * recorded gets the current files' checksums once. A file changed after it
 * was applied is the same to the runner as a recorded checksum of other text,
 * so the test changes the record, never the repository's files.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import t from 'tap';
import { openPGlite, openPostgres, type Backend, type Store } from '../../src/db/connect.ts';
import { migrate, migrationFiles } from '../../src/db/migrate.ts';
import { GridproofError } from '../../src/errors.ts';
import { createPostgresDatabase, testBackends } from '../helpers/database.ts';

const BIN = fileURLToPath(new URL('../../bin/gridproof.js', import.meta.url));
const sha256Of = (name: string) =>
  createHash('sha256')
    .update(readFileSync(new URL(`../../migrations/${name}`, import.meta.url), 'utf8'))
    .digest('hex');
const EDITED = '004_matching.sql';

async function open(backend: Backend): Promise<{ store: Store; url?: string; cleanup: () => Promise<void> }> {
  if (backend === 'pglite') {
    const store = await openPGlite(undefined);
    return { store, cleanup: () => store.close() };
  }
  const database = await createPostgresDatabase();
  const store = await openPostgres(database.url);
  return {
    store,
    url: database.url,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
}

const recorded = async (store: Store) =>
  new Map(
    (await sql<{ name: string; sha256: string | null }>`select name, sha256 from schema_migration`.execute(store.db)).rows.map((r) => [r.name, r.sha256]),
  );

for (const backend of await testBackends()) {
  t.test(`${backend}: checksums recorded, backfilled, and a changed applied migration stops the start`, async (t) => {
    const { store, url, cleanup } = await open(backend);
    t.teardown(cleanup);
    await migrate(store);
    const files = migrationFiles();
    t.same(await recorded(store), new Map(files.map((name) => [name, sha256Of(name)])), 'each applied file with its SHA-256');

    // A database migrated before checksums were recorded: none are known.
    await sql`update schema_migration set sha256 = null`.execute(store.db);
    t.same(await migrate(store), [], 'nothing to apply');
    t.same(await recorded(store), new Map(files.map((name) => [name, sha256Of(name)])), 'the current files are recorded, once');

    // Applied from other text than the file now holds.
    const other = createHash('sha256').update('-- an earlier text of 004\n').digest('hex');
    await sql`update schema_migration set sha256 = ${other} where name = ${EDITED}`.execute(store.db);
    // The last migration is forgotten: were the start not stopped, it would be applied again (and fail otherwise).
    const last = files.at(-1)!;
    await sql`delete from schema_migration where name = ${last}`.execute(store.db);
    const error = await migrate(store).catch((e: unknown) => e);
    t.ok(error instanceof GridproofError, 'a GridproofError');
    t.equal((error as GridproofError).code, 'migration-changed', 'refused with its code');
    t.match((error as Error).message, new RegExp(`migrations/${EDITED} changed after it was applied`), 'naming the file');
    t.notOk((await recorded(store)).has(last), 'nothing applied');
    t.equal((await recorded(store)).get(EDITED), other, 'the record is left as it was');

    if (url !== undefined) {
      // The real command: exit 2 and the coded message.
      const result = await new Promise<{ status: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'migrate'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: url } }, (e, _out, stderr) =>
          resolve({ status: e ? Number((e as { code?: number }).code ?? -1) : 0, stderr }),
        );
      });
      t.equal(result.status, 2, 'gridproof migrate exits 2');
      t.match(result.stderr, new RegExp(`^gridproof migrate: migration-changed: migrations/${EDITED} changed after it was applied`), 'and names the file');
    }
  });
}
