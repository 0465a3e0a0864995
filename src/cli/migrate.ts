import { loadConfig } from '../config.ts';
import { openStore } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';

export async function migrateCommand(): Promise<number> {
  const config = loadConfig();
  const store = await openStore(config);
  try {
    const applied = await migrate(store);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'the database is up to date\n');
    return 0;
  } finally {
    await store.close();
  }
}
