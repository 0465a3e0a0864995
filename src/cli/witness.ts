/**
 * `gridproof witness --key FILE --log VKEY [--log VKEY…] --state DIR`: a
 * C2SP tlog-witness v1 service for certifiers, listening on PORT (default
 * 8090) and HOST (default 127.0.0.1). FILE holds a cosigner key made by
 * `gridproof keygen --witness`; each VKEY is a log's verifier key (its name
 * is the log's origin); DIR keeps the latest cosigned size and root per log.
 */
import { readFileSync, statSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { cosignerVerifierOf, parseCosignerPrivateKey } from '../crypto/cosignature.ts';
import { parseVerifierKey } from '../crypto/note.ts';
import { ConfigError } from '../config.ts';
import { GridproofError } from '../errors.ts';
import { ensureListenable, listenOn } from '../listen-address.ts';
import { nativeSign, nativeVerify } from '../platform/node-ed25519.ts';
import { WitnessStateDir } from '../witness/state-file.ts';
import { buildWitnessApp } from '../witness/witness-server.ts';
import { parseArgs } from './args.ts';

export async function witnessCommand(args: string[]): Promise<number> {
  const { options, lists } = parseArgs(args);
  const keyFile = options.get('key');
  const stateDir = options.get('state');
  const logKeys = lists.get('log') ?? [];
  if (!keyFile || !stateDir || logKeys.length === 0) {
    process.stderr.write('usage: gridproof witness --key FILE --log VKEY [--log VKEY…] --state DIR\n');
    return 2;
  }
  if ((statSync(keyFile).mode & 0o077) !== 0) throw new GridproofError('bad-private-key', `${keyFile} is readable by others; chmod 600 it`);
  const cosigner = parseCosignerPrivateKey(readFileSync(keyFile, 'utf8').trim());
  const logs = logKeys.map((vkey) => parseVerifierKey(vkey));
  const port = Number(process.env.PORT ?? '8090');
  if (!/^\d+$/.test(process.env.PORT ?? '8090') || port > 65535) throw new ConfigError('PORT', 'expected a TCP port 0-65535');
  const host = process.env.HOST ?? '127.0.0.1';
  // Before the state directory is made: a witness that cannot listen leaves nothing behind (src/listen-address.ts).
  await ensureListenable(port, host);

  const app = await buildWitnessApp({
    cosigner,
    logs,
    state: new WitnessStateDir(stateDir),
    sign: nativeSign,
    verify: nativeVerify,
    logger: { level: process.env.LOG_LEVEL ?? 'info' },
  });
  try {
    await listenOn(app, port, host);
  } catch (error) {
    await app.close();
    throw error;
  }
  // After the listen, as in serve: close-with-grace also closes on the process's normal exit, which a failed start must not repeat.
  closeWithGrace({ delay: 5_000 }, async () => {
    await app.close();
  });
  app.log.info(`gridproof witness ${cosignerVerifierOf(cosigner).vkey} for ${logs.map((l) => l.name).join(', ')}`);
  return -1;
}
