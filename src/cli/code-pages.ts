/**
 * How a command names the pages of the codes it reports: a bare code tells
 * its reader nothing, and every gridproof service explains each code with
 * what to do (src/routes/problem-pages.ts). `gridproof verify` closes an
 * invalid verdict with it (docs/exports.md "When a bundle does not verify"),
 * `gridproof monitor` a report with findings or warnings (docs/design.md §7
 * "What a finding tells"). Relative pages, since the code means the same on
 * any service: the one the reader trusts can explain it.
 */

/** One sentence naming each page once, in the order first met. */
export function codePagesText(pages: readonly string[]): string {
  return `what each code means and what to do: ${[...new Set(pages)].join(', ')} on any gridproof service`;
}
