/**
 * How the certificate writes its figures, one rule each, so every figure of
 * the page reads alike: energy in exact Wh grouped by thousands with a plain
 * space (count.ts, as `gridproof verify` and the pages write Wh), a share to
 * one decimal with a space before "%" (as the pages write the CFE score),
 * masses of CO₂ by co2-mass.ts. Only the chart's axis is scaled to kWh, MWh
 * or GWh, with as many decimals as its step needs and the same on every label.
 */
import { groupDigits } from '../count.ts';

/** "1 234 567 Wh": exact, only grouped. */
export const wh = (value: string): string => `${groupDigits(value)} Wh`;

/** 0.877 → "87.7 %", rounded half up to a tenth of a percent. */
export const percent = (share: number): string => `${(Math.round(share * 1000) / 10).toFixed(1)} %`;

const UNITS: ReadonlyArray<[string, bigint]> = [
  ['GWh', 1_000_000_000n],
  ['MWh', 1_000_000n],
  ['kWh', 1_000n],
  ['Wh', 1n],
];

/**
 * Wh values (the chart's ticks) in the largest unit `top` reaches, each with
 * the decimals `step` needs to be exact: 0, 500 000, 1 000 000 Wh with a step
 * of 500 000 read "0.0", "0.5", "1.0" MWh.
 */
export function scaledWh(values: readonly bigint[], step: bigint, top: bigint): { unit: string; values: string[] } {
  const [unit, size] = UNITS.find(([, s]) => top >= s) ?? UNITS[UNITS.length - 1]!;
  let decimals = 0;
  while (step > 0n && (step * 10n ** BigInt(decimals)) % size !== 0n) decimals++;
  const scale = 10n ** BigInt(decimals);
  return {
    unit,
    values: values.map((v) => {
      const units = (v * scale) / size;
      const whole = groupDigits(String(units / scale));
      return decimals === 0 ? whole : `${whole}.${String(units % scale).padStart(decimals, '0')}`;
    }),
  };
}
