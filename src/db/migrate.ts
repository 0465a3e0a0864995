/**
 * Applies migrations/NNN_name.sql in order, each in its own transaction, and
 * records them with the SHA-256 of the file applied. A session-level advisory
 * lock makes two processes starting at once take turns instead of racing.
 *
 * An applied migration is never edited (a change is a new migration): a
 * database migrated from other text than the code's would differ from what
 * the code expects without a sign. So before applying anything, every applied
 * file's checksum is compared with the one recorded, and a difference stops
 * the start (`migration-changed`, naming the file). Databases migrated before
 * checksums were recorded get those of the current files, once.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { GridproofError } from '../errors.ts';
import type { Store } from './connect.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** Arbitrary constant naming the migration lock (pg_advisory_lock key space). */
const MIGRATION_LOCK = 7_001_001;

export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{3}_[\w-]+\.sql$/.test(name))
    .sort();
}

const checksum = (text: string): string => createHash('sha256').update(text).digest('hex');

export async function migrate(store: Store): Promise<string[]> {
  const applied: string[] = [];
  await store.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      await sql`create table if not exists schema_migration (
        name text primary key, applied_at timestamptz not null default now())`.execute(conn);
      await sql`alter table schema_migration add column if not exists sha256 text`.execute(conn);
      const recorded = new Map(
        (await sql<{ name: string; sha256: string | null }>`select name, sha256 from schema_migration`.execute(conn)).rows.map((r) => [r.name, r.sha256]),
      );
      const files = migrationFiles().map((name) => ({ name, text: readFileSync(MIGRATIONS_DIR + name, 'utf8') }));
      for (const { name, text } of files) {
        if (!recorded.has(name)) continue;
        const sum = checksum(text);
        const was = recorded.get(name);
        if (was === null) await sql`update schema_migration set sha256 = ${sum} where name = ${name} and sha256 is null`.execute(conn);
        else if (was !== sum) {
          throw new GridproofError(
            'migration-changed',
            `migrations/${name} changed after it was applied (sha256 ${was} applied, ${sum} now): an applied migration is never edited; restore it and add a new migration`,
          );
        }
      }
      for (const { name, text } of files) {
        if (recorded.has(name)) continue;
        await store.exec(`begin;\n${text}\n;insert into schema_migration (name, sha256) values ('${name}', '${checksum(text)}');\ncommit;`);
        applied.push(name);
      }
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
  return applied;
}
