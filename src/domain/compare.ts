/**
 * Code-unit order for identifiers, leaf hashes and instants. Not
 * `localeCompare`: this order decides rounding ties and output bytes, which
 * must be the same in every runtime and locale (docs/design.md §5: the same
 * inputs in any order give the same bytes). Base64 and `YYYY-MM-DDTHH:MM:SSZ`
 * are ASCII, so this is byte order and, for instants, time order.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
