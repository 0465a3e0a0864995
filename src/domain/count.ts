/** "1 hour", "24 hours": a count with its noun, for every text a person reads (CLI, certificate, pages). */
export const countOf = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "a tenant", "an operator": a role or noun with its indefinite article, for the same texts. */
export const aOrAn = (noun: string): string => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
