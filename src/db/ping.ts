import { sql } from 'kysely';
import type { Db } from './log.ts';

/**
 * A health check must answer even when the database does not: a load
 * balancer or `docker compose` waits about a second, so a ping that has
 * not come back by then counts as a failure.
 */
export const PING_DEADLINE_MS = 900;

/** Resolves when the database answers a trivial query within the deadline; rejects otherwise. */
export async function pingDatabase(db: Db, deadlineMs = PING_DEADLINE_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${deadlineMs} ms`)), deadlineMs);
  });
  const ping = sql`select 1`.execute(db);
  // The ping may still fail after the deadline; that failure is already answered.
  ping.catch(() => undefined);
  try {
    await Promise.race([ping, late]);
  } finally {
    clearTimeout(timer);
  }
}
