/** "1 hour", "24 hours": a count with its noun, for every text a person reads (CLI, certificate, pages). */
export const countOf = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
