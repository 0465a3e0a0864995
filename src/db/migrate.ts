/**
 * Applies migrations/NNN_name.sql in order, each in its own transaction, and
 * records them. A session-level advisory lock makes two processes starting at
 * once take turns instead of racing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Store } from './connect.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** Arbitrary constant naming the migration lock (pg_advisory_lock key space). */
const MIGRATION_LOCK = 7_001_001;

export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{3}_[\w-]+\.sql$/.test(name))
    .sort();
}

export async function migrate(store: Store): Promise<string[]> {
  const applied: string[] = [];
  await store.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      await sql`create table if not exists schema_migration (
        name text primary key, applied_at timestamptz not null default now())`.execute(conn);
      const done = new Set((await sql<{ name: string }>`select name from schema_migration`.execute(conn)).rows.map((r) => r.name));
      for (const name of migrationFiles()) {
        if (done.has(name)) continue;
        const text = readFileSync(MIGRATIONS_DIR + name, 'utf8');
        await store.exec(`begin;\n${text}\n;insert into schema_migration (name) values ('${name}');\ncommit;`);
        applied.push(name);
      }
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
  return applied;
}
