import { bonusFor, type BonusBand, type QuotaScope } from '@touchpoint/domain';
import type { Document } from '../store/port';
import type { DocumentAccess, ProjectedEvent, Projection } from './types';

/** The sales organisation as it stands: sellers' teams and regions, quotas, and each currency's bonus plans. */
export interface SalesOrgDoc extends Document {
  sellers: Record<string, { team: string; region: string; since: string }>;
  /** one per scope, name, currency and period (set again: replaced) */
  quotas: Array<{ scope: QuotaScope; name: string; period: string; currency: string; amount: number; setAt: string }>;
  /** per currency, the plans in the order published; the last one applies */
  plans: Record<string, Array<{ planId: string; name: string; bands: BonusBand[]; publishedAt: string; position: number }>>;
  /** team → its manager (absent in documents projected before managers existed) */
  managers?: Record<string, string>;
}

export const SALES_ORG = 'sales_org';
export const SALES_ORG_ID = 'sales-org';

export function evolveSalesOrgView(doc: SalesOrgDoc | undefined, event: ProjectedEvent): SalesOrgDoc {
  const d: SalesOrgDoc = doc ?? { _id: SALES_ORG_ID, _position: 0, sellers: {}, quotas: [], plans: {} };
  switch (event.type) {
    case 'SellerPlaced': {
      const { owner, team, region, occurredAt } = event.data;
      const sellers = { ...d.sellers };
      Object.defineProperty(sellers, owner, { value: { team, region, since: occurredAt }, enumerable: true, writable: true, configurable: true });
      return { ...d, _position: event.globalPosition, sellers };
    }
    case 'QuotaSet': {
      const { scope, name, period, currency, amount, occurredAt } = event.data;
      const quotas = d.quotas.filter((q) => !(q.scope === scope && q.name === name && q.period === period && q.currency === currency));
      return { ...d, _position: event.globalPosition, quotas: [...quotas, { scope, name, period, currency, amount, setAt: occurredAt }] };
    }
    case 'TeamManagerAppointed': {
      const managers = { ...d.managers };
      Object.defineProperty(managers, event.data.team, { value: event.data.manager, enumerable: true, writable: true, configurable: true });
      return { ...d, _position: event.globalPosition, managers };
    }
    case 'BonusPlanPublished': {
      const { planId, name, currency, bands, occurredAt } = event.data;
      const plans = { ...d.plans, [currency]: [...(d.plans[currency] ?? []), { planId, name, bands, publishedAt: occurredAt, position: event.globalPosition }] };
      return { ...d, _position: event.globalPosition, plans };
    }
    default:
      return d;
  }
}

export const salesOrgProjection: Projection = {
  name: 'sales_org',
  collections: [{ name: SALES_ORG, cached: true, fields: {}, indexes: [] }],
  handles: new Set(['SellerPlaced', 'QuotaSet', 'BonusPlanPublished', 'TeamManagerAppointed']),
  apply(event: ProjectedEvent, docs: DocumentAccess): void {
    docs.update<SalesOrgDoc>(SALES_ORG, SALES_ORG_ID, (doc) => evolveSalesOrgView(doc, event));
  },
};

/** The sellers of the teams `manager` manages (the manager included when placed in one), and those teams. */
export function teamOf(org: SalesOrgDoc | undefined, manager: string): { teams: string[]; members: string[] } {
  const teams = Object.entries(org?.managers ?? {})
    .filter(([, m]) => m === manager)
    .map(([team]) => team)
    .sort();
  const members = Object.entries(org?.sellers ?? {})
    .filter(([, s]) => teams.includes(s.team))
    .map(([owner]) => owner)
    .sort();
  return { teams, members };
}

/** A deal won, as attainment counts it. */
export interface WonDeal {
  dealId: string;
  owner: string;
  amount: number;
  currency: string;
  closedAt: string | null;
}

export interface AttainmentRow {
  scope: QuotaScope;
  name: string;
  team: string | null;
  region: string | null;
  currency: string;
  /** null: no quota for this period */
  quota: number | null;
  achieved: number;
  /** achieved ÷ quota × 100, 2 decimals; null without a quota */
  attainmentPct: number | null;
  /** sellers only, by the currency's latest plan; null without a quota or a plan */
  bonus: { amount: number; planId: string; planName: string; breakdown: Array<{ fromPct: number; toPct: number | null; ratePct: number; base: number; pays: number }> } | null;
  /** the won deals counted (the events behind the figure), at most 100, and how many there are */
  deals: string[];
  dealCount: number;
}


/**
 * Attainment for one period, pure: won deals closed in the period count for their owner (in the deal's currency), for
 * the owner's team and region (as placed now), against the quotas set for exactly that period. Sellers' bonuses
 * follow the latest plan of the quota's currency.
 */
export function attainmentReport(org: SalesOrgDoc | undefined, won: WonDeal[], period: string): AttainmentRow[] {
  const sellers = org?.sellers ?? {};
  const seller = (owner: string) => (Object.prototype.hasOwnProperty.call(sellers, owner) ? sellers[owner] : undefined);
  const sums = new Map<string, { deals: string[]; achieved: number }>();
  const count = (scope: QuotaScope, name: string, deal: WonDeal) => {
    const key = `${scope}\u0000${name}\u0000${deal.currency}`;
    const entry = sums.get(key) ?? { deals: [], achieved: 0 };
    entry.achieved += deal.amount;
    entry.deals.push(deal.dealId);
    sums.set(key, entry);
  };
  for (const deal of won) {
    count('owner', deal.owner, deal);
    const placed = seller(deal.owner);
    if (placed) {
      count('team', placed.team, deal);
      count('region', placed.region, deal);
    }
  }
  const rows = new Map<string, AttainmentRow>();
  const row = (scope: QuotaScope, name: string, currency: string, quota: number | null): AttainmentRow => {
    const entry = sums.get(`${scope}\u0000${name}\u0000${currency}`) ?? { deals: [], achieved: 0 };
    const placed = scope === 'owner' ? seller(name) : undefined;
    const plan = (org?.plans[currency] ?? []).at(-1);
    const computed = quota !== null && quota > 0 ? bonusFor(quota, entry.achieved, plan?.bands ?? [{ fromPct: 0, ratePct: 0 }]) : null;
    return {
      scope,
      name,
      team: scope === 'owner' ? (placed?.team ?? null) : scope === 'team' ? name : null,
      region: scope === 'owner' ? (placed?.region ?? null) : scope === 'region' ? name : null,
      currency,
      quota,
      achieved: entry.achieved,
      attainmentPct: computed ? computed.attainmentPct : null,
      bonus: scope === 'owner' && computed && plan ? { amount: computed.amount, planId: plan.planId, planName: plan.name, breakdown: computed.breakdown } : null,
      deals: [...entry.deals].sort().slice(0, 100),
      dealCount: entry.deals.length,
    };
  };
  for (const q of org?.quotas ?? []) if (q.period === period) rows.set(`${q.scope}\u0000${q.name}\u0000${q.currency}`, row(q.scope, q.name, q.currency, q.amount));
  // Sellers who won without a quota still show what they achieved.
  for (const key of sums.keys()) {
    const [scope, name, currency] = key.split('\u0000') as [QuotaScope, string, string];
    if (scope === 'owner' && !rows.has(key)) rows.set(key, row(scope, name, currency, null));
  }
  const order: Record<QuotaScope, number> = { region: 0, team: 1, owner: 2 };
  return [...rows.values()].sort((a, b) => order[a.scope] - order[b.scope] || a.name.localeCompare(b.name) || a.currency.localeCompare(b.currency));
}
