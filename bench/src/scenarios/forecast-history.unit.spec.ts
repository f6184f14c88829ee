import { dealDecider, fold, type DealEvent, type ForecastSubmitted } from '@touchpoint/domain';
import { accuracyPeriods, forecastHistory, type ForecastHistoryOptions, type HistoryEvent } from './forecast-history';

const OPTIONS: ForecastHistoryOptions = { seed: 7, customers: 60, owners: 4, deals: 300, start: '2024-09-01T00:00:00.000Z', end: '2026-11-10T00:00:00.000Z' };
const all = (options: ForecastHistoryOptions): HistoryEvent[] => [...forecastHistory(options)];

describe('forecastHistory', () => {
  const events = all(OPTIONS);
  const occurredAt = (e: HistoryEvent) => e.data.occurredAt as string;

  it('is deterministic: the same options give the same events, another seed other events', () => {
    expect(all(OPTIONS)).toEqual(events);
    expect(all({ ...OPTIONS, seed: 8 })).not.toEqual(events);
  });

  it('comes out in business-time order, inside the history (the knowledge clock needs the log in that order)', () => {
    for (let i = 1; i < events.length; i++) expect(occurredAt(events[i]) >= occurredAt(events[i - 1])).toBe(true);
    expect(occurredAt(events[0]) >= OPTIONS.start).toBe(true);
    expect(occurredAt(events[events.length - 1]) < OPTIONS.end).toBe(true);
  });

  it('registers every customer, and opens each deal for a customer registered before it, owned by one of the owners', () => {
    const registered = new Set<string>();
    const owners = new Set<string>();
    let deals = 0;
    for (const e of events) {
      if (e.type === 'CustomerRegistered') registered.add(e.data.customerId as string);
      if (e.type === 'DealOpened') {
        deals++;
        expect(registered.has(e.data.customerId as string)).toBe(true);
        owners.add(e.data.owner as string);
        expect(e.actor).toBe(e.data.owner);
      }
    }
    expect(registered.size).toBe(OPTIONS.customers);
    expect(deals).toBe(OPTIONS.deals);
    expect(owners.size).toBe(OPTIONS.owners);
  });

  it('gives every deal a history the deal decider folds: opened first, nothing after won or lost, with slips, categories and amounts', () => {
    const byDeal = new Map<string, DealEvent[]>();
    for (const e of events) if (e.streamId.startsWith('deal-')) byDeal.set(e.streamId, [...(byDeal.get(e.streamId) ?? []), e as unknown as DealEvent]);
    const types = new Set<string>();
    for (const history of byDeal.values()) {
      expect(history[0].type).toBe('DealOpened');
      const closedAt = history.findIndex((e) => e.type === 'DealWon' || e.type === 'DealLost');
      if (closedAt >= 0) expect(closedAt).toBe(history.length - 1);
      expect(fold(dealDecider, dealDecider.initialState(), history).status).not.toBe('unknown');
      for (const e of history) types.add(e.type);
    }
    expect([...types].sort()).toEqual(['DealAmountChanged', 'DealCloseDateChanged', 'DealForecastCategoryChanged', 'DealLost', 'DealOpened', 'DealStageChanged', 'DealWon']);
  });

  it('has owners submit their month (and on the 22nd the next one) with rolled-up amounts, and the manager the team call', () => {
    const submissions = events.filter((e) => e.type === 'ForecastSubmitted').map((e) => ({ ...(e.data as ForecastSubmitted['data']), actor: e.actor }));
    const owners = submissions.filter((s) => s.scope === 'owner');
    expect(new Set(owners.map((s) => s.name)).size).toBe(OPTIONS.owners);
    for (const s of owners) {
      expect(s.actor).toBe(s.name);
      expect(s.amounts.commit).toBeGreaterThanOrEqual(s.amounts.closed ?? 0);
      expect(s.amounts.bestCase).toBeGreaterThanOrEqual(s.amounts.commit);
      expect(s.period >= s.occurredAt.slice(0, 7)).toBe(true);
    }
    expect(owners.some((s) => s.period > s.occurredAt.slice(0, 7))).toBe(true);
    expect(submissions.filter((s) => s.scope === 'team').length).toBeGreaterThanOrEqual(24);
  });

  it('scores the 24 months before the last one, all within the history for a lead time of 90 days', () => {
    expect(accuracyPeriods(OPTIONS)).toEqual({ from: '2024-11', to: '2026-10' });
  });
});
