/** Calendar-month arithmetic on unix seconds (UTC), for `repeating` coupons' discount ends. */

/**
 * `at` plus `months` calendar months, the day clamped to the target month's length (Jan 31 + 1
 * month = Feb 28/29), the time of day kept.
 */
export function addMonths(at: number, months: number): number {
  const d = new Date(at * 1000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}
