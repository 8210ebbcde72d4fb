/**
 * Traffic growth as a monthly factor, for the doomsday clock (doomsday.ts): `3x/6mo` → 3^(1/6).
 */

/** Average Gregorian month, in days: the unit every growth period is converted to. */
const DAYS_PER_MONTH = 365.2425 / 12;
export const MS_PER_MONTH = DAYS_PER_MONTH * 24 * 60 * 60 * 1000;
const PERIOD_IN_MONTHS: Record<string, number> = {
  d: 1 / DAYS_PER_MONTH,
  w: 7 / DAYS_PER_MONTH,
  mo: 1,
  y: 12,
};
const GROWTH_PATTERN =
  /^([+-]?\d+(?:\.\d+)?)\s*(x|%)\s*\/\s*(\d+(?:\.\d+)?)?\s*(d|days?|w|wk|weeks?|mo|months?|y|yr|years?)$/i;

/** The growth text could not be read; the message lists the accepted forms. */
export class InvalidGrowthError extends Error {
  constructor(readonly text: string) {
    super(
      `Cannot read the growth "${text}": write <factor>x/<period> or <percent>%/<period>, with the ` +
        'period in d, w, mo or y (e.g. 3x/6mo, 2x/1y, 50%/3mo, 1.5x/30d).',
    );
  }
}

/**
 * Reads a growth rate such as `3x/6mo`, `2x/1y`, `50%/3mo`, `1.5x/30d` (`/mo` means one month) and
 * returns the monthly growth factor: 3x/6mo → 3^(1/6) ≈ 1.2009. Compounding, not linear, because
 * traffic growth is quoted as multiples ("3x in six months"). Days and weeks are converted with the
 * average Gregorian month (30.44 days), so 1.5x/30d is a little more than 1.5 per month.
 * A factor below 1 (`0.8x/1y`, `-10%/1y`) is shrinking traffic. Throws InvalidGrowthError.
 */
export function parseGrowth(text: string): number {
  const match = GROWTH_PATTERN.exec(text.trim());
  if (!match) throw new InvalidGrowthError(text);
  const [, amount, kind, count, unit] = match;
  const factor = kind === '%' ? 1 + Number(amount) / 100 : Number(amount);
  const months = Number(count ?? 1) * PERIOD_IN_MONTHS[periodKey(unit)];
  if (!(factor > 0) || !(months > 0)) throw new InvalidGrowthError(text);
  return factor ** (1 / months);
}

function periodKey(unit: string): string {
  const lower = unit.toLowerCase();
  return lower.startsWith('mo') ? 'mo' : lower[0];
}
