/**
 * What each command says for `--help` / `-h`: its usage on stdout, exit 0,
 * and nothing else done (main.ts answers before a command is even loaded, so
 * `serve --help` opens no data directory and `migrate --help` migrates
 * nothing). Each command's text ends with its own exit codes: what 0, 1, 2
 * and, for those that talk to a server, 75 mean for it, within README's
 * table (EXIT_CODES, shown by `gridproof --help`).
 */

export const EXIT_CODES = `exit codes:
  0  done (a verdict of valid, every entry accepted, a clean log)
  1  refused or invalid (the server refused a request or an entry, a bundle or log that does not verify)
  2  usage error or unusable input (bad options, unreadable file, server unreachable)
  75 not now (the server answered 503 busy or unavailable, or 429 too many requests): run it again later, after the Retry-After named on stderr
`;

/** A command's own exit codes, as `usageOf` prints them; a code the command never exits with is left out. */
const exits = (codes: { 0: string; 1?: string; 2: string; 75?: string }): string =>
  `exit codes:\n  0  ${codes[0]}\n${codes[1] === undefined ? '' : `  1  ${codes[1]}\n`}  2  ${codes[2]}\n${codes[75] === undefined ? '' : `  75 ${codes[75]}\n`}`;

/** What exit 1 means for a command that talks to a server. */
const REFUSED = 'the server refused a request (a token it does not know or of another role: 401, 403)';
const UNUSABLE = 'usage error or unusable input (bad options, unreadable file, server unreachable)';
/** What exit 75 means for every command that talks to a server (http-client.ts EXIT_TRY_AGAIN). */
const TRY_AGAIN =
  'the server cannot take it now (503 busy or unavailable, 429 too many requests): run the same command again later, after the Retry-After named on stderr';

const usages: Record<string, string> = {
  serve: `usage: gridproof serve

  Start the service; configuration comes from the environment (see README "Configuration").

${exits({
  0: 'stopped by Ctrl-C or SIGTERM, after closing cleanly',
  1: 'stopped by an error, or closing took longer than 10 s',
  2: 'it cannot start: bad configuration, an address it cannot listen on (port in use or privileged, HOST not of this machine), data directory in use, key mismatch, a changed migration',
})}`,
  migrate: `usage: gridproof migrate

  Apply the database migrations and exit.

${exits({
  0: 'the migrations are applied (or were already)',
  2: 'bad configuration, a database it cannot open, or an applied migration file that changed since',
})}`,
  keygen: `usage: gridproof keygen --name NAME [--out FILE] [--witness]

  Make an Ed25519 key: the private key file (mode 0600) and the verifier key printed.
  --witness  a cosigner key (C2SP tlog-cosignature) for the witness command

${exits({ 0: 'the key is written', 2: 'a name that is not a note name, or FILE exists already or cannot be written' })}`,
  sign: `usage: gridproof sign --key FILE [--server URL --token T [--post]] [payload.json]

  Turn a reading payload (from the file or stdin) into a signed entry note.
  --server, --token  fill log, seq and prev from the server (the device's chain head)
  --post             post the note; exit 1 when the server refuses it

${exits({ 0: 'the note is printed, or posted and accepted', 1: `the server refused the note (its code on stderr), or ${REFUSED}`, 2: UNUSABLE, 75: TRY_AGAIN })}`,
  upload: `usage: gridproof upload FILE --key FILE --server URL --token T

  Sign and post many readings of one device: a CSV with the header
  device,start,end,importWh,exportWh or NDJSON (one reading a line). Chained from
  the server's head, posted in batches of up to 1000, progress on stderr, a
  summary line of JSON on stdout, also when a 503, a 429, a refusal or a lost
  connection stops the run once it has posted. Resumable: rows at or before the
  chain head are not posted; those already in the log (same interval and Wh) are
  skipped and counted on stderr, naming the head, so a re-run of the same file
  exits 0.

${exits({
  0: 'every reading is accepted or already in the log',
  1: `the server refused a reading (each coded error on stderr), a row at or before the chain head is not in the log (its line and the head named), the server reports the device's chain as broken (nothing posted), or ${REFUSED}`,
  2: 'usage error or unusable input: a bad row (its line named), a file of several devices, an unreadable file, server unreachable',
  75: `${TRY_AGAIN}; the summary says what is logged and what is not (unconfirmed, notSent), and the run again posts only the rest`,
})}`,
  verify: `usage: gridproof verify BUNDLE --key VKEY [--witness VKEY… [--quorum N]] [--json]
       gridproof verify --html > verify.html

  Verify a proof bundle offline. Prints every fact the bundle proves
  (docs/exports.md); --json prints all of it.
  --witness, --quorum  also require cosignatures of these witnesses on the checkpoint
                       (N of them; all by default)
  --html               print the browser verifier as one file that works offline

${exits({ 0: 'the bundle is valid (or --html printed the verifier)', 1: 'the bundle is invalid (the reasons on stdout)', 2: 'usage error or unusable input (bad options, a file that is not a bundle)' })}`,
  certificate: `usage: gridproof certificate BUNDLE --key VKEY > cert.html

  A claim bundle's printable certificate (one A4 HTML page) on stdout.

${exits({
  0: 'the certificate is written',
  1: "the bundle does not verify (unverified-bundle) or is a period's, not a claim's (not-a-claim)",
  2: 'usage error or unusable input (bad options, a file that is not a bundle)',
})}`,
  export: `usage: gridproof export BUNDLE --key VKEY --format energytag|eecs

  A claim bundle's EnergyTag GC API v2 or EECS (EN 16325) records on stdout.

${exits({
  0: 'the records are written',
  1: "the bundle does not verify (unverified-bundle) or is a period's, not a claim's (not-a-claim)",
  2: 'usage error or unusable input (bad options, a file that is not a bundle)',
})}`,
  monitor: `usage: gridproof monitor URL --token T [--state FILE] [--key VKEY] [--json]

  Replay the log and check it (certifiers): every entry's signature and chain,
  the settlements, claims and storage, and the root of the latest checkpoint.
  --state FILE  keep what a clean run checked (the checkpoint, the Merkle
                frontier, the replay state) and the log key it pinned: the next
                run proves the log consistent with that checkpoint and checks
                only the new entries. A file that does not exist yet is a first
                run; the file is written only after a clean run.
  --key VKEY    the log's verifier key, pinned on a first run (a state file pins
                its own). Without --key or a state file the first run trusts the
                key the server serves ("pinned by the log" in the report): get
                the key from the operator another way and pass it with --key.
  --json        the report as one JSON object on stdout, for scripts

${exits({
  0: 'every check passed (warnings may remain)',
  1: `a finding (the log key changed, a broken proof or chain, a root that differs…), also when the run then stopped for any reason below; or ${REFUSED}`,
  2: 'usage error or unusable input (bad options or state file, server unreachable)',
  75: `${TRY_AGAIN}; the state file is left as it was`,
})}`,
  rotate: `usage: gridproof rotate --server URL --token T --key VKEY

  Rotate a running service's operator key to the staged next key (README
  "Rotating the operator key"). T is the operator token; VKEY the verifier key
  gridproof keygen printed for the staged key. Prints the new key ID and the
  index of the rotation's entry.

${exits({
  0: 'the key is rotated',
  1: "the service refused (its problem's status, title and code on stderr; 500 key-files-not-written: rotated, files not written)",
  2: UNUSABLE,
  75: TRY_AGAIN,
})}`,
  demo: `usage: gridproof demo [--server URL --token T] [--days N] [--state F] [--data DIR] [--port P]

  Load a demo park (real 2019 German data) through the API; with no --server,
  start a service in ./demo-data and keep it running.

${exits({
  0: 'the park is loaded (with no --server: the service stopped by Ctrl-C)',
  1: `the service already has a participant or device of the park that the state file holds no token or key for (named, with what to pass), or a contract of the park's id that is not the demo's (named, with what differs), or ${REFUSED}`,
  2: 'usage error or unusable input (bad options, a state file of another log or a file that is none, server unreachable, an address it cannot listen on)',
  75: `${TRY_AGAIN}; the state file keeps what is loaded, and the run again goes on from there`,
})}`,
  witness: `usage: gridproof witness --key FILE --log VKEY [--log VKEY…] --state DIR

  Cosign checkpoints of these logs (C2SP tlog-witness) on PORT/HOST.

${exits({
  0: 'stopped by Ctrl-C or SIGTERM, after closing cleanly',
  1: 'stopped by an error, or closing took longer than 5 s',
  2: 'it cannot start: bad options, a key file readable by others, a bad PORT, an address it cannot listen on',
})}`,
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

/** One command's usage, ending with its exit codes, or the overview for `gridproof --help`. */
export function usageOf(command?: string): string {
  if (command !== undefined && usages[command] !== undefined) return usages[command];
  const lines = Object.values(usages).flatMap((text) =>
    text
      .split('\n')
      .filter((line) => /^(usage: | {7})gridproof /.test(line))
      .map((line) => `  ${line.replace(/^(usage: | {7})gridproof /, '')}`),
  );
  return `usage: gridproof <command> [options]   (gridproof <command> --help for one)\n\n${lines.join('\n')}\n  --version\n\n${EXIT_CODES}`;
}

export const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');
