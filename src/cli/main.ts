/**
 * `gridproof <command>`: the command line mirrors the API for people
 * (docs/api.md).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.ts';
import { GridproofError } from '../errors.ts';
import { NetworkError } from './http-client.ts';
import { usageOf, wantsHelp } from './usage.ts';

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
  upload: async () => (await import('./upload.ts')).uploadCommand,
  verify: async () => (await import('./verify.ts')).verifyCommand,
  certificate: async () => (await import('./certificate.ts')).certificateCommand,
  export: async () => (await import('./certificate.ts')).exportCommand,
  monitor: async () => (await import('./monitor.ts')).monitorCommand,
  rotate: async () => (await import('./rotate.ts')).rotateCommand,
  demo: async () => (await import('./demo.ts')).demoCommand,
  witness: async () => (await import('./witness.ts')).witnessCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`gridproof ${pkg.version}\n`);
    return 0;
  }
  const load = name ? commands[name] : undefined;
  if (!load) {
    const asked = name === undefined || name === '--help' || name === '-h' || name === 'help';
    (asked ? process.stdout : process.stderr).write(usageOf());
    return asked ? 0 : 2;
  }
  // Answered before the command is loaded: --help does nothing else.
  if (wantsHelp(args)) {
    process.stdout.write(usageOf(name));
    return 0;
  }
  try {
    return await (
      await load()
    )(args);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof GridproofError) {
      process.stderr.write(`gridproof ${name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof NetworkError) {
      process.stderr.write(`gridproof ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
