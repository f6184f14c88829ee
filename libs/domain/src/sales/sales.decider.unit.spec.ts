import { bonusFor, DomainError, periodRange, salesOrgDecider, type DomainErrorKind, type SalesOrgCommand, type SalesOrgEvent } from '@touchpoint/domain';
import { DeciderSpecification } from '@touchpoint/testing/decider-specification';

const AT = '2026-01-05T09:00:00.000Z';
const spec = DeciderSpecification.for(salesOrgDecider);
const domainError =
  (kind: DomainErrorKind, code: string, field?: string) =>
  (error: unknown): void => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind, code, ...(field !== undefined && { field }) });
  };
const quota = (period: string, amount = 100_000, name = 'sales.anna'): SalesOrgCommand => ({ type: 'SetQuota', data: { scope: 'owner', name, period, currency: 'EUR', amount, occurredAt: AT } });
const quotaSet = (period: string, amount = 100_000, name = 'sales.anna'): SalesOrgEvent => ({ type: 'QuotaSet', data: { scope: 'owner', name, period, currency: 'EUR', amount, occurredAt: AT } });

describe('sales organisation decider', () => {
  it('sets a quota; the same again records nothing; a new amount for the same period replaces it', () => {
    spec.given([]).when(quota('2026-Q1')).then([quotaSet('2026-Q1')]);
    spec.given([quotaSet('2026-Q1')]).when(quota('2026-Q1')).then([]);
    spec.given([quotaSet('2026-Q1')]).when(quota('2026-Q1', 120_000)).then([quotaSet('2026-Q1', 120_000)]);
  });
  it('refuses a quota for a period overlapping another of the same seller and currency; other sellers, years and currencies are free', () => {
    spec.given([quotaSet('2026-Q1')]).when(quota('2026-02')).thenThrows(domainError('rule_violated', 'quota_overlaps', 'period'));
    spec.given([quotaSet('2026-03')]).when(quota('2026-Q1')).thenThrows(domainError('rule_violated', 'quota_overlaps', 'period'));
    spec.given([quotaSet('2026-Q1')]).when(quota('2026-04')).then([quotaSet('2026-04')]);
    spec.given([quotaSet('2026-Q1')]).when(quota('2025-02')).then([quotaSet('2025-02')]);
    spec.given([quotaSet('2026-Q1')]).when(quota('2026-02', 1, 'sales.boris')).then([quotaSet('2026-02', 1, 'sales.boris')]);
    spec.given([]).when(quota('2026-13')).thenThrows(domainError('rule_violated', 'invalid_period', 'period'));
  });
  it('places a seller; the same placement again records nothing', () => {
    const place: SalesOrgCommand = { type: 'PlaceSeller', data: { owner: 'sales.anna', team: 't', region: 'r', occurredAt: AT } };
    spec.given([]).when(place).then([{ type: 'SellerPlaced', data: place.data } as SalesOrgEvent]);
    spec.given([{ type: 'SellerPlaced', data: place.data } as SalesOrgEvent]).when(place).then([]);
  });
  it('appoints a team manager for a team that has sellers; the same again records nothing; an unknown team is refused', () => {
    const placed = { type: 'SellerPlaced', data: { owner: 'sales.anna', team: 'kyiv', region: 'north', occurredAt: AT } } as SalesOrgEvent;
    const appoint: SalesOrgCommand = { type: 'AppointTeamManager', data: { team: 'kyiv', manager: 'sales.olha', occurredAt: AT } };
    spec.given([placed]).when(appoint).then([{ type: 'TeamManagerAppointed', data: appoint.data } as SalesOrgEvent]);
    spec.given([placed, { type: 'TeamManagerAppointed', data: appoint.data } as SalesOrgEvent]).when(appoint).then([]);
    spec.given([]).when(appoint).thenThrows(domainError('rule_violated', 'unknown_team', 'team'));
  });
  it('refuses bands that do not start at 0, do not rise, or pay outside 0–100 %', () => {
    const plan = (bands: Array<{ fromPct: number; ratePct: number }>): SalesOrgCommand => ({ type: 'PublishBonusPlan', data: { planId: 'p', name: 'P', currency: 'EUR', bands, occurredAt: AT } });
    spec.given([]).when(plan([{ fromPct: 5, ratePct: 1 }])).thenThrows(domainError('rule_violated', 'invalid_bands', 'bands[0].fromPct'));
    spec.given([]).when(plan([{ fromPct: 0, ratePct: 1 }, { fromPct: 0, ratePct: 2 }])).thenThrows(domainError('rule_violated', 'invalid_bands', 'bands[1].fromPct'));
    spec.given([]).when(plan([{ fromPct: 0, ratePct: 101 }])).thenThrows(domainError('rule_violated', 'invalid_bands', 'bands[0].ratePct'));
    spec.given([]).when(plan([])).thenThrows(domainError('rule_violated', 'invalid_bands', 'bands'));
  });
});

describe('bonusFor', () => {
  const bands = [
    { fromPct: 0, ratePct: 2 },
    { fromPct: 50, ratePct: 5 },
    { fromPct: 100, ratePct: 10 },
  ];
  it('pays each band its rate on the part of the quota achieved within it (120 % of 100 000: 1 000 + 2 500 + 2 000)', () => {
    expect(bonusFor(100_000, 120_000, bands)).toMatchObject({ amount: 5_500, attainmentPct: 120 });
  });
  it('pays nothing for nothing, and only the first band below its end', () => {
    expect(bonusFor(100_000, 0, bands).amount).toBe(0);
    expect(bonusFor(100_000, 30_000, bands).amount).toBe(600);
  });
  it('is monotone in what was achieved', () => {
    let previous = -1;
    for (let achieved = 0; achieved <= 300_000; achieved += 7_919) {
      const { amount } = bonusFor(100_000, achieved, bands);
      expect(amount).toBeGreaterThanOrEqual(previous);
      previous = amount;
    }
  });
});

describe('periodRange', () => {
  it('gives a month and a quarter as inclusive UTC instants', () => {
    expect(periodRange('2026-02')).toEqual({ from: '2026-02-01T00:00:00.000Z', to: '2026-02-28T23:59:59.999Z' });
    expect(periodRange('2026-Q4')).toEqual({ from: '2026-10-01T00:00:00.000Z', to: '2026-12-31T23:59:59.999Z' });
  });
});
