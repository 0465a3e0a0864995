/**
 * `--name value` (or `--name=value`) options, valueless `flags`, and
 * positional arguments, no more. `options` keeps the last value of a
 * repeated option, `lists` every value in order.
 */
export function parseArgs(
  args: readonly string[],
  flags: readonly string[] = [],
): { options: Map<string, string>; lists: Map<string, string[]>; positional: string[] } {
  const options = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const set = (name: string, value: string): void => {
    options.set(name, value);
    lists.set(name, [...(lists.get(name) ?? []), value]);
  };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (flags.includes(name)) {
        set(name, inline ?? '');
        continue;
      }
      const value = inline ?? args[i + 1];
      if (inline === undefined) i++;
      set(name, value ?? '');
    } else positional.push(arg);
  }
  return { options, lists, positional };
}
