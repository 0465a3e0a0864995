/**
 * `gridproof <command>`: the command line mirrors the API for people
 * (docs/api.md).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.ts';
import { GridproofError } from '../errors.ts';
import { UnusableAddressError } from '../listen-address.ts';
import { FILE_ERROR_WORDS } from './file-errors.ts';
import { exitCodeOf, EXIT_UNUSABLE, NetworkError, ServiceUrlError } from './http-client.ts';
import { unknownOption, usageOf, wantsHelp } from './usage.ts';

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
    // Asked for, the usage is the answer (exit 0); no command at all is a usage error (README's table: 2), as an unknown one.
    const asked = name === '--help' || name === '-h' || name === 'help';
    if (asked) process.stdout.write(usageOf());
    else if (name === undefined) process.stderr.write(`gridproof: no command given\n\n${usageOf()}`);
    else process.stderr.write(`gridproof: unknown command "${name}"\n\n${usageOf()}`);
    return asked ? 0 : 2;
  }
  // Answered before the command is loaded: --help does nothing else.
  if (wantsHelp(args)) {
    process.stdout.write(usageOf(name));
    return 0;
  }
  const unknown = unknownOption(name!, args);
  if (unknown !== undefined) {
    process.stderr.write(`gridproof ${name}: unknown option ${unknown.split('=', 1)[0]} (gridproof ${name} --help lists its options)\n`);
    return 2;
  }
  try {
    return await (
      await load()
    )(args);
  } catch (error) {
    const why = unusable(error);
    if (why === undefined) throw error;
    process.stderr.write(`gridproof ${name}: ${why}\n`);
    // A server's refusal is exit 1 (a 503 or 429: 75) for every command, as for rotate, which reads the answer itself.
    return exitCodeOf(error) ?? EXIT_UNUSABLE;
  }
}

/** One line for an error that means the input cannot be used (exit 2) or was refused by the server (exit 1, or 75 for now), or undefined for a defect. */
function unusable(error: unknown): string | undefined {
  if (
    error instanceof ConfigError ||
    error instanceof GridproofError ||
    error instanceof NetworkError ||
    error instanceof ServiceUrlError ||
    error instanceof UnusableAddressError
  )
    return error.message;
  const { code, path } = error as { code?: string; path?: string };
  if (typeof code === 'string' && typeof path === 'string' && FILE_ERROR_WORDS[code]) return `${path}: ${FILE_ERROR_WORDS[code]}`;
  return undefined;
}

// A reader that stops early (`gridproof verify … | head`) is not an error of
// ours: what is left of the output goes nowhere, and the command still ends
// with its own exit code.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
