/**
 * The Tax Rate object: a percentage of tax, added on top of an amount (`inclusive: false`) or
 * contained in it (`inclusive: true`). Percentage and inclusiveness are fixed once created; a
 * changed rate is a new Tax Rate, and an old one is retired with `active: false` (no delete).
 */

export const TAX_RATE = 'tax_rate';

export interface TaxRate {
  id: string;
  object: 'tax_rate';
  active: boolean;
  country: string | null;
  created: number;
  description: string | null;
  display_name: string;
  effective_percentage: number | null;
  flat_amount: { amount: number; currency: string } | null;
  inclusive: boolean;
  jurisdiction: string | null;
  jurisdiction_level: string | null;
  livemode: false;
  metadata: Record<string, string>;
  percentage: number;
  rate_type: 'flat_amount' | 'percentage' | null;
  state: string | null;
  tax_type: string | null;
}

/** Indexed fields for the list filters (`active`, `inclusive`). */
export const taxRateFields = (t: TaxRate) => ({ active: String(t.active), inclusive: String(t.inclusive) });
