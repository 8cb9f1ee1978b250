/** What installing a template costs; one definition for both adapters. */

/**
 * Cents charged for a template: price × (100 − discountPercent) / 100, rounded half up. Exact in
 * integer arithmetic for whole percentages (e.g. 199 at 15 % → 169.15 → 169; 5 at 50 % → 2.5 → 3).
 */
export function chargeCents(price: number, discountPercent: number): number {
  return Math.floor((price * (100 - discountPercent) + 50) / 100);
}
