/**
 * Quotas, bonuses and the regional view through HTTP. A seeded sales year (three sellers in two teams and two regions,
 * quarterly quotas, a banded bonus plan with an accelerator) goes in as deals won; each seller's bonus per quarter must
 * equal an independent computation here, which walks the attainment in 0.01 % steps instead of summing bands.
 */
import request from 'supertest';
import { mulberry32 } from '@touchpoint/value-models';
import { scenarioEngines, startTestApp, type TestApp } from '../support/app';
import { Crm, expectProblem } from '../queries/helpers';

// A seeded history through HTTP before the first test: slower than the default 5 s on a loaded machine.
jest.setTimeout(60_000);

const SELLERS = [
  { owner: 'sales.anna', team: 'kyiv-b2b', region: 'north' },
  { owner: 'sales.boris', team: 'kyiv-b2b', region: 'north' },
  { owner: 'sales.chen', team: 'odesa-retail', region: 'south' },
];
const BANDS = [
  { fromPct: 0, ratePct: 2 },
  { fromPct: 50, ratePct: 4 },
  { fromPct: 100, ratePct: 8 },
  { fromPct: 150, ratePct: 12 },
];
const QUARTERS = ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4'];
const QUOTA = 2_000_000; // 20 000.00 EUR per seller and quarter

/** The bonus by brute force: each 0.01 % step of attainment pays the rate of the band it falls in. */
function expectedBonus(quota: number, achieved: number): number {
  const steps = Math.floor((achieved / quota) * 10_000);
  let pays = 0;
  for (let step = 0; step < steps; step++) {
    const pct = step / 100;
    const band = [...BANDS].reverse().find((b) => pct >= b.fromPct)!;
    pays += (quota / 10_000) * (band.ratePct / 100);
  }
  // The remainder below one step, at the last band's rate.
  const rest = achieved - (steps * quota) / 10_000;
  const last = [...BANDS].reverse().find((b) => steps / 100 >= b.fromPct)!;
  return Math.round(pays + (rest * last.ratePct) / 100);
}

describe.each(scenarioEngines(['memory', 'sqlite']))('quotas, bonuses and regions (%s engine, through HTTP)', (engine) => {
  let t: TestApp;
  let crm: Crm;
  const won = new Map<string, number>(); // owner|quarter → achieved

  beforeAll(async () => {
    t = await startTestApp({ engine });
    crm = new Crm(t);
    for (const s of SELLERS) await crm.command('put', `/v1/sales/sellers/${s.owner}`, { team: s.team, region: s.region });
    for (const s of SELLERS) for (const period of QUARTERS) await crm.command('post', '/v1/sales/quotas', { scope: 'owner', name: s.owner, period, currency: 'EUR', amount: QUOTA });
    await crm.command('post', '/v1/sales/quotas', { scope: 'region', name: 'north', period: '2025-Q2', currency: 'EUR', amount: 2 * QUOTA });
    await crm.command('post', '/v1/sales/bonus-plans', { name: 'Standard 2025', currency: 'EUR', bands: BANDS });
    const rng = mulberry32(2025);
    const customer = await crm.register({ kind: 'company', name: 'Year Buyer', owner: 'sales.anna' });
    for (let i = 0; i < 60; i++) {
      const seller = SELLERS[Math.floor(rng() * SELLERS.length)];
      const month = Math.floor(rng() * 12);
      const closed = new Date(Date.UTC(2025, month, 1 + Math.floor(rng() * 27), 12)).toISOString();
      const amount = (5 + Math.floor(rng() * 60)) * 10_000;
      const currency = rng() < 0.9 ? 'EUR' : 'USD'; // USD wins count for no EUR quota
      const deal = (await crm.command('post', '/v1/deals', { customerId: customer, title: `Deal ${i}`, amount, currency, owner: seller.owner, expectedCloseDate: closed.slice(0, 10), occurredAt: '2025-01-01T09:00:00Z' })).body.ids.dealId;
      if (rng() < 0.2) {
        await crm.command('post', `/v1/deals/${deal}/lost`, { reason: 'price', occurredAt: closed });
        continue;
      }
      await crm.command('post', `/v1/deals/${deal}/won`, { occurredAt: closed });
      if (currency === 'EUR') {
        const key = `${seller.owner}|${QUARTERS[Math.floor(month / 3)]}`;
        won.set(key, (won.get(key) ?? 0) + amount);
      }
    }
  });
  afterAll(() => t?.close());

  it('each seller’s attainment and bonus per quarter equal an independent computation', async () => {
    for (const period of QUARTERS) {
      const report = await crm.get('/v1/sales/attainment', { period, minPosition: await t.store.headPosition() });
      expect(report.method).toContain('DealWon');
      for (const s of SELLERS) {
        const achieved = won.get(`${s.owner}|${period}`) ?? 0;
        const row = report.items.find((r: { scope: string; name: string; currency: string }) => r.scope === 'owner' && r.name === s.owner && r.currency === 'EUR');
        expect({ period, owner: s.owner, achieved: row.achieved, bonus: row.bonus.amount }).toEqual({ period, owner: s.owner, achieved, bonus: expectedBonus(QUOTA, achieved) });
        expect(row).toMatchObject({ quota: QUOTA, team: s.team, region: s.region, attainmentPct: Math.round((achieved / QUOTA) * 10_000) / 100, dealCount: row.deals.length });
        expect(row.bonus.planName).toBe('Standard 2025');
      }
      // A team achieves what its sellers did (no team quota: not listed as a row); the region with a quota is.
      if (period === '2025-Q2') {
        const north = report.items.find((r: { scope: string; name: string }) => r.scope === 'region' && r.name === 'north');
        expect(north.achieved).toBe((won.get('sales.anna|2025-Q2') ?? 0) + (won.get('sales.boris|2025-Q2') ?? 0));
        expect(north.bonus).toBeNull();
      }
    }
  });

  it('refuses a quota whose period overlaps another of the same seller, and bad bands; changes nothing', async () => {
    const before = await t.store.headPosition();
    expectProblem(await request(t.http).post('/v1/sales/quotas').send({ scope: 'owner', name: 'sales.anna', period: '2025-05', currency: 'EUR', amount: 1 }), 422, ['period'], 'quota_overlaps');
    expectProblem(await request(t.http).post('/v1/sales/bonus-plans').send({ name: 'Bad', currency: 'EUR', bands: [{ fromPct: 10, ratePct: 2 }] }), 422, ['bands[0].fromPct'], 'invalid_bands');
    expectProblem(await request(t.http).post('/v1/sales/bonus-plans').send({ name: 'Bad', currency: 'EUR', bands: [{ fromPct: 0, ratePct: 2 }, { fromPct: 0, ratePct: 3 }] }), 422, ['bands[1].fromPct'], 'invalid_bands');
    expectProblem(await request(t.http).post('/v1/sales/quotas').send({ scope: 'owner', name: 'sales.anna', period: '2025-Q5', currency: 'EUR', amount: 1 }), 400, ['period']);
    expect(await t.store.headPosition()).toBe(before);
    // The same quota again changes nothing; a new amount for the same period replaces it.
    expect((await crm.command('post', '/v1/sales/quotas', { scope: 'owner', name: 'sales.anna', period: '2025-Q1', currency: 'EUR', amount: QUOTA })).body.events).toEqual([]);
  });

  it('the regional offices: sellers, teams, open pipeline, won, quota and customers with open complaints per region', async () => {
    const customer = await crm.register({ kind: 'person', name: 'Unhappy', owner: 'sales.chen' });
    await crm.complaint(customer, { complaintId: 'R-1' });
    await crm.command('post', '/v1/deals', { customerId: customer, title: 'Open one', amount: 70_000, currency: 'EUR', owner: 'sales.chen', expectedCloseDate: '2026-06-30' });
    const { items } = await crm.get('/v1/sales/regions', { period: '2025-Q2', minPosition: await t.store.headPosition() });
    expect(items.map((r: { region: string }) => r.region)).toEqual(['north', 'south']);
    const [north, south] = items;
    expect(north).toMatchObject({ sellers: ['sales.anna', 'sales.boris'], teams: ['kyiv-b2b'], won: { EUR: (won.get('sales.anna|2025-Q2') ?? 0) + (won.get('sales.boris|2025-Q2') ?? 0) } });
    expect(north.quotas).toEqual([expect.objectContaining({ currency: 'EUR', quota: 2 * QUOTA })]);
    expect(south).toMatchObject({ sellers: ['sales.chen'], teams: ['odesa-retail'], openDeals: 1, openPipeline: { EUR: 70_000 }, customersWithOpenComplaints: 1 });
  });
});

describe('attainment: sales see their own figures (authentication on)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ auth: 'required' });
  });
  afterAll(() => t?.close());

  it('a seller gets only their own rows, an analyst everyone’s; only an admin sets quotas', async () => {
    const admin = { Authorization: t.bearer('admin') };
    const set = await request(t.http).post('/v1/sales/quotas').set(admin).send({ scope: 'owner', name: 'sales.other', period: '2026-03', currency: 'EUR', amount: 100 }).expect(200);
    expect((await request(t.http).post('/v1/sales/quotas').set({ Authorization: t.bearer('sales') }).send({ scope: 'owner', name: 'me', period: '2026-03', currency: 'EUR', amount: 1 })).status).toBe(403);
    // Read-your-writes: on the real engines the projector follows the log asynchronously.
    const minPosition = set.body.globalPosition;
    const mine = await request(t.http).get('/v1/sales/attainment').set({ Authorization: t.bearer('sales') }).query({ period: '2026-03', minPosition }).expect(200);
    expect(mine.body.items).toEqual([]);
    const all = await request(t.http).get('/v1/sales/attainment').set({ Authorization: t.bearer('analyst') }).query({ period: '2026-03', minPosition }).expect(200);
    expect(all.body.items.map((r: { name: string }) => r.name)).toEqual(['sales.other']);
  });
});
