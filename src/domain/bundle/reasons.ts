/** Collects a bundle's coded reasons; a long list is cut per code so a report stays readable. */
import type { BundleCode, BundleReason } from './bundle-types.ts';

const KEPT_PER_CODE = 25;

/** Thrown by a Reasons that stops at its first reason; verifyBundle catches it and answers with that reason. */
export class FirstReasonFound extends Error {}

export class Reasons {
  private readonly all: BundleReason[] = [];
  /** When set, the first reason ends the verification: every step adds its reasons here, so every step stops at once. */
  private readonly firstOnly: boolean;

  constructor(options: { firstOnly?: boolean } = {}) {
    this.firstOnly = options.firstOnly === true;
  }

  add(code: BundleCode, detail: string): void {
    this.all.push({ code, detail });
    if (this.firstOnly) throw new FirstReasonFound(code);
  }

  get empty(): boolean {
    return this.all.length === 0;
  }

  /** How many reasons so far: a step compares it before and after to know whether it added any. */
  get size(): number {
    return this.all.length;
  }

  has(code: BundleCode): boolean {
    return this.all.some((reason) => reason.code === code);
  }

  /** The reasons in the order found, at most KEPT_PER_CODE per code, then one "… and n more". */
  list(): BundleReason[] {
    const counts = new Map<BundleCode, number>();
    const out: BundleReason[] = [];
    for (const reason of this.all) {
      const n = (counts.get(reason.code) ?? 0) + 1;
      counts.set(reason.code, n);
      if (n <= KEPT_PER_CODE) out.push(reason);
    }
    for (const [code, n] of counts) {
      if (n > KEPT_PER_CODE) out.push({ code, detail: `… and ${n - KEPT_PER_CODE} more of the same code` });
    }
    return out;
  }
}
