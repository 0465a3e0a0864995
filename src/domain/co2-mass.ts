/**
 * A mass of CO₂ as every text a person reads writes it (the tenant and verify
 * pages, the certificate, `gridproof verify`): one rule, so a figure reads the
 * same wherever it is shown. Figures arrive as exact grams in a decimal
 * string (docs/api.md: unmatchedEmissionsG); a bundle or `--json` keeps the
 * exact grams for anyone who needs them, so the text is rounded to what reads:
 * tonnes to 10 kg from 1 t up, kilograms to 100 g below. Rounding is half up,
 * once, on the integer grams (bigint, as the figures are summed in
 * src/domain/bundle/facts-cbam.ts), so no binary fraction shifts a digit.
 */
import { groupDigits } from './count.ts';

const G_PER_KG_TENTH = 100n;
const G_PER_T_HUNDREDTH = 10_000n;
/** 1000.0 kg in tenths of a kilogram: a figure that rounds to this reads in tonnes. */
const ONE_TONNE_IN_KG_TENTHS = 10_000n;

/** `units` (a count of 10^-decimals of the unit) as "1 234.56". */
function fixed(units: bigint, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  return `${groupDigits(String(units / scale))}.${String(units % scale).padStart(decimals, '0')}`;
}

const roundedDiv = (g: bigint, per: bigint): bigint => (g + per / 2n) / per;

/** "12.70 t CO₂", "14.0 kg CO₂", "0.0 kg CO₂"; a figure above 0 that rounds to nothing reads "under 0.1 kg CO₂", not zero. */
export function co2Mass(grams: string): string {
  if (!/^\d+$/.test(grams)) throw new Error(`not a count of grams: ${JSON.stringify(grams)}`);
  const g = BigInt(grams);
  const kgTenths = roundedDiv(g, G_PER_KG_TENTH);
  if (kgTenths >= ONE_TONNE_IN_KG_TENTHS) return `${fixed(roundedDiv(g, G_PER_T_HUNDREDTH), 2)} t CO₂`;
  if (g > 0n && kgTenths === 0n) return 'under 0.1 kg CO₂';
  return `${fixed(kgTenths, 1)} kg CO₂`;
}
