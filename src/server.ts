/**
 * The process entry: configuration, database, migrations, keys, buildApp,
 * listen, publish checkpoints, close gracefully. Nothing else listens.
 */
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { openStore } from './db/connect.ts';
import { migrate } from './db/migrate.ts';
import { loadKeys } from './key-files.ts';
import { ensureListenable, listenOn } from './listen-address.ts';
import { OperatorKeyFiles } from './operator-key-files.ts';
import { ReadingIntake } from './ledger/intake.ts';
import { openLedger } from './ledger/open.ts';
import { startMatcher } from './ledger/matching/run.ts';
import { startPublisher } from './ledger/publish.ts';
import { CheckpointWitnessing, startWitnessing } from './ledger/witnessing.ts';

export async function serve(config: Config = loadConfig()): Promise<void> {
  // Before the database, the keys or the operator token: nothing is made for a service that cannot listen.
  await ensureListenable(config.port, config.host);
  const store = await openStore(config);
  await migrate(store);
  const keys = loadKeys(config);
  const { ledger, generatedToken } = await openLedger({
    db: store.db,
    origin: config.origin,
    intervalSeconds: config.intervalSeconds,
    operatorToken: config.operatorToken,
    witnesses: config.witnesses,
    witnessQuorum: config.witnessQuorum,
    ...keys,
    operatorKeyStore: new OperatorKeyFiles(config),
  });
  if (generatedToken) {
    // Shown once, before anything else can fail: only its hash is stored.
    process.stdout.write(`\nOperator token (shown once, keep it): ${generatedToken}\n\n`);
  }
  const intake = new ReadingIntake(ledger);
  const witnessing = new CheckpointWitnessing(ledger);
  const app = await buildApp({ ledger, intake, witnessing, rateLimits: config.rateLimits, bodyLimit: config.bodyLimit, logger: { level: config.logLevel } });
  const stopPublisher = startPublisher(ledger, config.checkpointIntervalMs, (error) => app.log.error({ err: error }, 'checkpoint publishing failed'));
  // Witnesses are asked on the same cadence; a down witness waits out its own backoff and delays nothing else.
  const stopWitnessing = startWitnessing(witnessing, config.checkpointIntervalMs, (error) => app.log.error({ err: error }, 'witnessing failed'));

  // GRIDPROOF_GATE_CLOSURE=off leaves matching to explicit runs (loading history).
  const stopMatcher =
    config.gateClosureMs === undefined
      ? async () => undefined
      : startMatcher(ledger, config.gateClosureMs, 60_000, (error) => app.log.error({ err: error }, 'matching failed'));

  const close = async (): Promise<void> => {
    await app.close();
    await intake.idle();
    await stopMatcher();
    await stopPublisher();
    await stopWitnessing();
    await store.close();
  };
  try {
    await listenOn(app, config.port, config.host);
  } catch (error) {
    // The address was taken since the check (or another listen failure): close
    // what was opened, so the process ends with the command's exit status.
    await close();
    throw error;
  }
  // After the listen: close-with-grace also closes on the process's normal exit, which a failed start must not repeat.
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    await close();
  });

  const where =
    store.backend === 'pglite' ? `embedded PostgreSQL in ${config.dataDir}/pg (for trying and small sites; production runs on PostgreSQL)` : 'PostgreSQL';
  app.log.info(`gridproof: log ${config.origin} on ${where}; log key ${ledger.logVerifier.vkey}`);
}
