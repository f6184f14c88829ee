/**
 * The sales organisation as data, in one stream `sales-org`: who sells in which team and region, the quotas, and the
 * bonus plans. Each change is an event, so attainment and bonus as of any date can be explained.
 */
export type SellerPlaced = { type: 'SellerPlaced'; data: { owner: string; team: string; region: string; occurredAt: string } };

export type QuotaScope = 'owner' | 'team' | 'region';
export const QUOTA_SCOPES: readonly QuotaScope[] = ['owner', 'team', 'region'];

/** A quota for one period (YYYY-MM or YYYY-Qn) in one currency; set again for the same period, it replaces the amount. */
export type QuotaSet = { type: 'QuotaSet'; data: { scope: QuotaScope; name: string; period: string; currency: string; amount: number; occurredAt: string } };

/** One band of a bonus plan: from this attainment (percent of quota) on, this rate (percent) of the amount achieved within the band. */
export interface BonusBand {
  fromPct: number;
  ratePct: number;
}

/** A bonus plan for one currency; the latest published plan of a currency applies to quotas in it from then on. */
export type BonusPlanPublished = { type: 'BonusPlanPublished'; data: { planId: string; name: string; currency: string; bands: BonusBand[]; occurredAt: string } };

/** A team's manager: sees and changes the team members' tasks, approves their quotes' discounts, reads their attainment. */
export type TeamManagerAppointed = { type: 'TeamManagerAppointed'; data: { team: string; manager: string; occurredAt: string } };

export type SalesOrgEvent = SellerPlaced | QuotaSet | BonusPlanPublished | TeamManagerAppointed;
