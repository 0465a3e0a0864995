/**
 * What each command says for `--help` / `-h`: its usage on stdout, exit 0,
 * and nothing else done (main.ts answers before a command is even loaded, so
 * `serve --help` opens no data directory and `migrate --help` migrates
 * nothing). The exit codes are the same for every command.
 */

export const EXIT_CODES = `exit codes:
  0  done (a verdict of valid, every entry accepted, a clean log)
  1  refused or invalid (an entry refused, a bundle or log that does not verify)
  2  usage error or unusable input (bad options, unreadable file, server unreachable)
`;

const usages: Record<string, string> = {
  serve: `usage: gridproof serve

  Start the service; configuration comes from the environment (see README "Configuration").
`,
  migrate: `usage: gridproof migrate

  Apply the database migrations and exit; refuses (exit 2) when an applied
  migration file changed since it was applied.
`,
  keygen: `usage: gridproof keygen --name NAME [--out FILE] [--witness]

  Make an Ed25519 key: the private key file (mode 0600) and the verifier key printed.
  --witness  a cosigner key (C2SP tlog-cosignature) for the witness command
`,
  sign: `usage: gridproof sign --key FILE [--server URL --token T [--post]] [payload.json]

  Turn a reading payload (from the file or stdin) into a signed entry note.
  --server, --token  fill log, seq and prev from the server (the device's chain head)
  --post             post the note; exit 1 when the server refuses it
`,
  upload: `usage: gridproof upload FILE --key FILE --server URL --token T

  Sign and post many readings of one device: a CSV with the header
  device,start,end,importWh,exportWh or NDJSON (one reading a line). Chained from
  the server's head, posted in batches of up to 1000, progress on stderr, a
  summary line of JSON on stdout. Resumable: rows at or before the chain head
  are not posted; those already in the log (same interval and Wh) are skipped
  and counted on stderr, naming the head, so a re-run of the same file exits 0.
  Exit 1 when the server refuses any reading (each coded error on stderr) or a
  row at or before the head is not in the log (its line and the head named),
  2 for a bad row (its line named) or a file of several devices.
`,
  verify: `usage: gridproof verify BUNDLE --key VKEY [--witness VKEY… [--quorum N]] [--json]
       gridproof verify --html > verify.html

  Verify a proof bundle offline: exit 0 valid, 1 invalid, 2 unusable. Prints
  every fact the bundle proves (docs/exports.md); --json prints all of it.
  --witness, --quorum  also require cosignatures of these witnesses on the checkpoint
                       (N of them; all by default)
  --html               print the browser verifier as one file that works offline
`,
  certificate: `usage: gridproof certificate BUNDLE --key VKEY > cert.html

  A claim bundle's printable certificate (one A4 HTML page) on stdout; exit 1
  when the bundle does not verify as a claim.
`,
  export: `usage: gridproof export BUNDLE --key VKEY --format energytag|eecs

  A claim bundle's EnergyTag GC API v2 or EECS (EN 16325) records on stdout;
  exit 1 when the bundle does not verify as a claim.
`,
  monitor: `usage: gridproof monitor URL --token T [--state FILE] [--key VKEY] [--json]

  Replay the log and check it (certifiers). --json writes the report as JSON on stdout.
`,
  rotate: `usage: gridproof rotate --server URL --token T --key VKEY

  Rotate a running service's operator key to the staged next key (README
  "Rotating the operator key"). T is the operator token; VKEY the verifier key
  gridproof keygen printed for the staged key. Prints the new key ID and the
  index of the rotation's entry; exit 1 when the service refuses (its problem's
  title and code on stderr).
`,
  demo: `usage: gridproof demo [--server URL --token T] [--days N] [--state F] [--data DIR] [--port P]

  Load a demo park (real 2019 German data) through the API; with no --server,
  start a service in ./demo-data and keep it running.
`,
  witness: `usage: gridproof witness --key FILE --log VKEY [--log VKEY…] --state DIR

  Cosign checkpoints of these logs (C2SP tlog-witness) on PORT/HOST.
`,
};

export const COMMANDS = Object.keys(usages);

/**
 * The options each command takes (besides --help), so that a misspelt one
 * is named rather than ignored; test/cli/help.test.ts holds each usage text
 * to this list.
 */
export const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  serve: [],
  migrate: [],
  keygen: ['name', 'out', 'witness'],
  sign: ['key', 'server', 'token', 'post'],
  upload: ['key', 'server', 'token'],
  verify: ['key', 'witness', 'quorum', 'json', 'html'],
  certificate: ['key'],
  export: ['key', 'format'],
  monitor: ['token', 'state', 'key', 'json'],
  rotate: ['server', 'token', 'key'],
  demo: ['server', 'token', 'days', 'state', 'data', 'port'],
  witness: ['key', 'log', 'state'],
};

/** The first option in `args` that `command` does not take, if any. */
export function unknownOption(command: string, args: readonly string[]): string | undefined {
  const known = COMMAND_OPTIONS[command] ?? [];
  return args.find((arg) => arg.startsWith('--') && !known.includes(arg.slice(2).split('=', 1)[0]!));
}

/** One command's usage with the exit codes, or the overview for `gridproof --help`. */
export function usageOf(command?: string): string {
  if (command !== undefined && usages[command] !== undefined) return `${usages[command]}\n${EXIT_CODES}`;
  const lines = Object.values(usages).map((text) => `  ${text.split('\n')[0]!.replace(/^usage: gridproof /, '')}`);
  return `usage: gridproof <command> [options]   (gridproof <command> --help for one)\n\n${lines.join('\n')}\n  --version\n\n${EXIT_CODES}`;
}

export const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');
