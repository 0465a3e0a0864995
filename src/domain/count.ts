/** "1 hour", "24 hours": a count with its noun, for every text a person reads (CLI, certificate, pages). */
export const countOf = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "a tenant", "an operator": a role or noun with its indefinite article, for the same texts. */
export const aOrAn = (noun: string): string => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;

/** 1234567 → "1 234 567": Wh stay exact, only grouped (a space, as SI writes it: no comma to read as a decimal point). */
export function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
