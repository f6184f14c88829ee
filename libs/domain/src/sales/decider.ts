import type { Decider } from '../shared/decider';
import { ruleViolated } from '../shared/errors';
import { assertCurrency, assertMinorUnits } from '../shared/money';
import type { BonusBand, BonusPlanPublished, QuotaSet, SalesOrgEvent, SellerPlaced, TeamManagerAppointed } from './events';

export type PlaceSeller = { type: 'PlaceSeller'; data: SellerPlaced['data'] };
export type SetQuota = { type: 'SetQuota'; data: QuotaSet['data'] };
export type PublishBonusPlan = { type: 'PublishBonusPlan'; data: BonusPlanPublished['data'] };
export type AppointTeamManager = { type: 'AppointTeamManager'; data: TeamManagerAppointed['data'] };
export type SalesOrgCommand = PlaceSeller | SetQuota | PublishBonusPlan | AppointTeamManager;

export interface SalesOrgState {
  sellers: Record<string, { team: string; region: string }>;
  /** `<scope>\0<name>\0<currency>` → period → amount */
  quotas: Record<string, Record<string, number>>;
  /** team → its manager */
  managers: Record<string, string>;
}

export const SALES_ORG_STREAM = 'sales-org';

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2]|Q[1-4])$/;

/** The months (1–12) a period covers: YYYY-MM one, YYYY-Qn three. */
export function periodMonths(period: string): { year: number; months: number[] } {
  const m = PERIOD.exec(period);
  if (!m) throw ruleViolated('invalid_period', `period ${period} is neither YYYY-MM nor YYYY-Qn`, 'period');
  const year = Number(m[1]);
  if (m[2].startsWith('Q')) {
    const q = Number(m[2].slice(1));
    return { year, months: [3 * q - 2, 3 * q - 1, 3 * q] };
  }
  return { year, months: [Number(m[2])] };
}

/** The period as instants: [start, end] inclusive, UTC. */
export function periodRange(period: string): { from: string; to: string } {
  const { year, months } = periodMonths(period);
  const from = new Date(Date.UTC(year, months[0] - 1, 1)).toISOString();
  const to = new Date(Date.UTC(year, months[months.length - 1], 1) - 1).toISOString();
  return { from, to };
}

const overlaps = (a: string, b: string) => {
  const x = periodMonths(a);
  const y = periodMonths(b);
  return x.year === y.year && x.months.some((m) => y.months.includes(m));
};

export const quotaKey = (scope: string, name: string, currency: string) => `${scope}\u0000${name}\u0000${currency}`;

/** Bands start at 0 %, rise strictly, and pay 0–100 % each. */
export function checkBands(bands: BonusBand[]): void {
  if (!Array.isArray(bands) || bands.length === 0) throw ruleViolated('invalid_bands', 'a bonus plan needs at least one band', 'bands');
  bands.forEach((band, i) => {
    if (!Number.isFinite(band.fromPct) || band.fromPct < 0 || band.fromPct > 10_000) throw ruleViolated('invalid_bands', 'fromPct must be 0–10000', `bands[${i}].fromPct`);
    if (!Number.isFinite(band.ratePct) || band.ratePct < 0 || band.ratePct > 100) throw ruleViolated('invalid_bands', 'ratePct must be 0–100', `bands[${i}].ratePct`);
    if (i === 0 && band.fromPct !== 0) throw ruleViolated('invalid_bands', 'the first band starts at 0 %', 'bands[0].fromPct');
    if (i > 0 && band.fromPct <= bands[i - 1].fromPct) throw ruleViolated('invalid_bands', 'bands must rise strictly', `bands[${i}].fromPct`);
  });
}

export function decideSalesOrg(command: SalesOrgCommand, state: SalesOrgState): SalesOrgEvent[] {
  switch (command.type) {
    case 'PlaceSeller': {
      const { owner, team, region } = command.data;
      const current = state.sellers[owner];
      if (current && current.team === team && current.region === region) return [];
      return [{ type: 'SellerPlaced', data: command.data }];
    }
    case 'SetQuota': {
      const { scope, name, period, currency, amount } = command.data;
      periodMonths(period);
      assertCurrency(currency);
      assertMinorUnits(amount, 'amount');
      const existing = state.quotas[quotaKey(scope, name, currency)] ?? {};
      if (existing[period] === amount) return [];
      const clash = Object.keys(existing).find((p) => p !== period && overlaps(p, period));
      if (clash !== undefined) throw ruleViolated('quota_overlaps', `${scope} ${name} already has a ${currency} quota for ${clash}, which overlaps ${period}`, 'period');
      return [{ type: 'QuotaSet', data: command.data }];
    }
    case 'PublishBonusPlan': {
      assertCurrency(command.data.currency);
      checkBands(command.data.bands);
      return [{ type: 'BonusPlanPublished', data: { ...command.data, bands: command.data.bands.map((b) => ({ fromPct: b.fromPct, ratePct: b.ratePct })) } }];
    }
    case 'AppointTeamManager': {
      const { team, manager } = command.data;
      if (!Object.values(state.sellers).some((s) => s.team === team)) throw ruleViolated('unknown_team', `no seller is placed in team ${team}`, 'team');
      return state.managers[team] === manager ? [] : [{ type: 'TeamManagerAppointed', data: command.data }];
    }
  }
}

export function evolveSalesOrg(state: SalesOrgState, event: SalesOrgEvent): SalesOrgState {
  switch (event.type) {
    case 'SellerPlaced':
      return { ...state, sellers: { ...state.sellers, [event.data.owner]: { team: event.data.team, region: event.data.region } } };
    case 'QuotaSet': {
      const key = quotaKey(event.data.scope, event.data.name, event.data.currency);
      return { ...state, quotas: { ...state.quotas, [key]: { ...state.quotas[key], [event.data.period]: event.data.amount } } };
    }
    case 'BonusPlanPublished':
      return state;
    case 'TeamManagerAppointed':
      return { ...state, managers: { ...state.managers, [event.data.team]: event.data.manager } };
  }
}

export const salesOrgDecider: Decider<SalesOrgCommand, SalesOrgState, SalesOrgEvent> = {
  decide: decideSalesOrg,
  evolve: evolveSalesOrg,
  initialState: () => ({ sellers: {}, quotas: {}, managers: {} }),
};

/**
 * The bonus a plan pays for an attainment: each band pays its rate on the part of the quota achieved within it (like
 * tax brackets), so a rate above 100 % attainment is an accelerator. Minor units, rounded once at the end.
 */
export function bonusFor(quota: number, achieved: number, bands: BonusBand[]): { amount: number; attainmentPct: number; breakdown: Array<{ fromPct: number; toPct: number | null; ratePct: number; base: number; pays: number }> } {
  const attainmentPct = quota > 0 ? (achieved / quota) * 100 : 0;
  let total = 0;
  const breakdown = bands.map((band, i) => {
    const toPct = i + 1 < bands.length ? bands[i + 1].fromPct : null;
    const upper = toPct === null ? attainmentPct : Math.min(attainmentPct, toPct);
    const base = Math.max(0, upper - band.fromPct) / 100 * quota;
    const pays = (base * band.ratePct) / 100;
    total += pays;
    return { fromPct: band.fromPct, toPct, ratePct: band.ratePct, base: Math.round(base), pays: Math.round(pays) };
  });
  return { amount: Math.round(total), attainmentPct: Math.round(attainmentPct * 100) / 100, breakdown };
}
