/**
 * `gridproof <command>`: the command line mirrors the API for people
 * (DESIGN.md "API contract").
 */
import { ConfigError } from '../config.ts';
import { GridproofError } from '../errors.ts';

const USAGE = `usage: gridproof <command> [options]

  serve                         start the service (configuration from the environment)
  migrate                       apply the database migrations and exit
  keygen --name NAME [--out F] [--witness]
                                make an Ed25519 key: private key file (mode 0600), verifier key printed;
                                --witness: a cosigner key (C2SP tlog-cosignature) for the witness command
  sign --key F [--server URL --token T [--post]] [payload.json]
                                turn a reading payload into a signed entry note;
                                with --server, fill log, seq and prev; with --post, post it
  verify BUNDLE --key VKEY      verify a proof bundle offline (exit 0 valid, 1 invalid, 2 unusable)
  monitor URL --token T [--state F]
                                replay the log and check it (certifiers)
  demo [--server URL --token T] [--days N] [--state F] [--data DIR] [--port P]
                                load a demo park (real 2019 German data) through the API;
                                with no --server, start a service in ./demo-data and keep it running
  witness --key F --log VKEY [--log VKEY…] --state DIR
                                cosign checkpoints of these logs (C2SP tlog-witness) on PORT/HOST
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  serve: async () => async () => {
    const { serve } = await import('../server.ts');
    await serve();
    return -1;
  },
  migrate: async () => (await import('./migrate.ts')).migrateCommand,
  keygen: async () => (await import('./keygen.ts')).keygenCommand,
  sign: async () => (await import('./sign.ts')).signCommand,
  verify: async () => (await import('./verify.ts')).verifyCommand,
  monitor: async () => (await import('./monitor.ts')).monitorCommand,
  demo: async () => (await import('./demo.ts')).demoCommand,
  witness: async () => (await import('./witness.ts')).witnessCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    process.stderr.write(USAGE);
    return name === undefined || name === '--help' || name === 'help' ? 0 : 2;
  }
  try {
    return await (await load())(args);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof GridproofError) {
      process.stderr.write(`gridproof ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
