/**
 * Forecasts that learn, checked against a simulated sales organisation (test/pipeline/sales-simulator.ts) whose every
 * command goes through the HTTP API with the clock set to the simulated moment. The configured stage probabilities are
 * deliberately wrong (0.6–0.9 where the truth is 0.15–0.6), so the learned method has something to correct. Checked:
 *  - the learned win rates count exactly the simulator's closed deals per stage, and recover its true rates;
 *  - the forecast as of a past day equals the forecast read live at the end of that day;
 *  - the accuracy report equals an independent computation from the simulator's own ground truth;
 *  - the learned method is more accurate than the wrong fixed probabilities.
 */
import { startTestApp, type TestApp } from '../support/app';
import { Crm } from '../queries/helpers';
import { OWNERS, STAGES, TRUE_WIN_RATE, dueWhenLeft, outcomeBy, simulate, stateAt, type Simulation, type Stage } from './sales-simulator';

const WRONG: Record<Stage, number> = { lead: 0.6, qualified: 0.7, proposal: 0.8, negotiation: 0.9 };
const PRIOR_STRENGTH = 2;
const LEADS = [60, 30, 7];
const METHODS = ['stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case', 'submitted'] as const;
/** ends of days at which the live forecast is captured, to compare with asOf later */
const CAPTURE_DAYS = ['2025-03-15', '2025-08-31', '2026-01-10', '2026-06-30', '2026-09-30'];

const periodEnd = (month: string) => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
const minusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
const round4 = (x: number) => Math.round(x * 10000) / 10000;

/** What each method should have said for `month` at the end of `day`, from the simulator's truth alone. */
function expectedForecast(sim: Simulation, month: string, day: string) {
  const cutoff = `${day}T23:59:59.999Z`;
  // Learned: P(won | visited) shrunk toward the configured value, and when won deals closed against their due month.
  const counts = new Map<Stage, { won: number; closed: number; offsets: Map<number, number> }>(STAGES.map((s) => [s, { won: 0, closed: 0, offsets: new Map() }]));
  for (const d of sim.deals) {
    const outcome = outcomeBy(d, cutoff);
    if (!outcome) continue;
    for (const s of d.visited) {
      const c = counts.get(s)!;
      c.closed += 1;
      if (outcome.status !== 'won') continue;
      c.won += 1;
      const due = dueWhenLeft(d, s)!;
      const offset = (Number(outcome.at.slice(0, 4)) - Number(due.slice(0, 4))) * 12 + Number(outcome.at.slice(5, 7)) - Number(due.slice(5, 7));
      c.offsets.set(offset, (c.offsets.get(offset) ?? 0) + 1);
    }
  }
  const learned = new Map(STAGES.map((s) => [s, round4((PRIOR_STRENGTH * WRONG[s] + counts.get(s)!.won) / (PRIOR_STRENGTH + counts.get(s)!.closed))]));
  const share = (s: Stage, offset: number) => round4(((counts.get(s)!.offsets.get(offset) ?? 0) + (offset === 0 ? PRIOR_STRENGTH : 0)) / (counts.get(s)!.won + PRIOR_STRENGTH));
  const monthPlus = (m: string, n: number) => new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1 + n, 1)).toISOString().slice(0, 7);
  let won = 0;
  let stage = 0;
  let learnedSum = 0;
  let commit = 0;
  let bestCase = 0;
  for (const d of sim.deals) {
    const s = stateAt(d, cutoff);
    if (!s) continue;
    if (s.status === 'won' && s.at.slice(0, 7) === month) won += d.amount;
    if (s.status !== 'open') continue;
    // The learned method counts a deal due in another month by the share of its stage's wins that closed this far from their due month.
    for (let offset = -12; offset <= 12; offset++) if (monthPlus(s.expectedCloseDate.slice(0, 7), offset) === month) learnedSum += d.amount * learned.get(s.stage)! * share(s.stage, offset);
    if (!s.expectedCloseDate.startsWith(month)) continue;
    stage += d.amount * WRONG[s.stage];
    if (s.category === 'commit') commit += d.amount;
    if (s.category === 'commit' || s.category === 'best_case') bestCase += d.amount;
  }
  const latest = new Map<string, number>();
  for (const sub of sim.submissions) if (sub.period === month && sub.at <= cutoff) latest.set(sub.owner, sub.commit);
  return {
    stage_weighted: Math.round(won + stage),
    learned_weighted: Math.round(won + learnedSum),
    category_commit: won + commit,
    category_best_case: won + bestCase,
    submitted: latest.size ? [...latest.values()].reduce((a, b) => a + b, 0) : null,
  };
}

const actualWon = (sim: Simulation, month: string) => sim.deals.reduce((sum, d) => sum + (outcomeBy(d, '9999')?.status === 'won' && d.states[d.states.length - 1].at.startsWith(month) ? d.amount : 0), 0);

describe('forecasts learned from a simulated sales organisation (memory engine, through HTTP)', () => {
  let t: TestApp;
  let crm: Crm;
  const sim = simulate();
  const captured = new Map<string, unknown>();

  beforeAll(async () => {
    t = await startTestApp({
      engine: 'memory',
      env: {
        TOUCHPOINT_STAGE_PROBABILITIES: Object.entries(WRONG).map(([s, p]) => `${s}=${p}`).join(','),
        TOUCHPOINT_FORECAST_PRIOR_STRENGTH: String(PRIOR_STRENGTH),
        TOUCHPOINT_FORECAST_LOOKBACK_MONTHS: '0',
      },
    });
    crm = new Crm(t);
    t.clock.set('2024-11-01T09:00:00.000Z');
    const customerId = await crm.register({ kind: 'company', name: 'Simulated buyers', occurredAt: '2024-11-01T09:00:00.000Z' });
    const captures = [...CAPTURE_DAYS];
    for (const a of sim.actions) {
      // The end of a capture day: read the forecast live, before anything of a later day is sent.
      while (captures.length && a.at.slice(0, 10) > captures[0]) {
        const day = captures.shift()!;
        captured.set(`${day}|month`, await crm.get('/v1/pipeline/forecast'));
        captured.set(`${day}|quarter|anna`, await crm.get('/v1/pipeline/forecast', { period: 'quarter', owner: 'anna' }));
      }
      t.clock.set(a.at);
      const as = { 'x-actor': a.owner };
      switch (a.kind) {
        case 'open':
          await crm.command('post', '/v1/deals', { dealId: a.dealId, customerId, title: 'Deal', owner: a.owner, amount: a.amount, currency: 'EUR', expectedCloseDate: a.expectedCloseDate, occurredAt: a.at }, as);
          break;
        case 'stage':
          await crm.command('post', `/v1/deals/${a.dealId}/stage`, { stage: a.stage, occurredAt: a.at }, as);
          break;
        case 'closeDate':
          await crm.command('post', `/v1/deals/${a.dealId}/close-date`, { expectedCloseDate: a.expectedCloseDate, occurredAt: a.at }, as);
          break;
        case 'category':
          await crm.command('post', `/v1/deals/${a.dealId}/forecast-category`, { category: a.category, occurredAt: a.at }, as);
          break;
        case 'won':
          await crm.command('post', `/v1/deals/${a.dealId}/won`, { occurredAt: a.at }, as);
          break;
        case 'lost':
          await crm.command('post', `/v1/deals/${a.dealId}/lost`, { reason: 'Budget', occurredAt: a.at }, as);
          break;
        case 'submit':
          await crm.command('post', '/v1/forecast-submissions', { period: a.period, currency: 'EUR', amounts: { commit: a.commit, bestCase: a.bestCase }, occurredAt: a.at }, as);
          break;
      }
    }
    expect(captures).toEqual([]);
  }, 240_000);
  afterAll(() => t?.close());

  it('the simulation is the size it claims: hundreds of deals, all closed by the end', () => {
    expect(sim.deals.length).toBeGreaterThan(450);
    expect(sim.deals.every((d) => outcomeBy(d, '9999') !== undefined)).toBe(true);
  });

  it('learns each stage’s win rate from exactly the closed deals that visited it, and recovers the true rate', async () => {
    const body = await crm.get('/v1/pipeline/forecast');
    for (const stage of STAGES) {
      const visited = sim.deals.filter((d) => d.visited.includes(stage));
      const won = visited.filter((d) => outcomeBy(d, '9999')!.status === 'won').length;
      const learned = body.forecasts.learnedProbabilities.find((l: { stage: string }) => l.stage === stage);
      expect(learned).toMatchObject({ stage, configured: WRONG[stage], won, lost: visited.length - won, closedDeals: visited.length });
      // Three standard errors of a binomial proportion at this sample size (the prior's pull is 2 deals in hundreds).
      const p = TRUE_WIN_RATE[stage];
      expect(Math.abs(learned.learned - p)).toBeLessThanOrEqual(3 * Math.sqrt((p * (1 - p)) / visited.length));
      expect(learned.interval[0]).toBeLessThan(learned.learned);
      expect(learned.interval[1]).toBeGreaterThan(learned.learned);
    }
  });

  it('the forecast as of a past day equals the forecast read live at the end of that day', async () => {
    for (const day of CAPTURE_DAYS) {
      expect(await crm.get('/v1/pipeline/forecast', { asOf: day })).toEqual(captured.get(`${day}|month`));
      expect(await crm.get('/v1/pipeline/forecast', { asOf: day, period: 'quarter', owner: 'anna' })).toEqual(captured.get(`${day}|quarter|anna`));
    }
    // And it is not trivially equal: the pipeline did change between the captures.
    expect(captured.get(`${CAPTURE_DAYS[0]}|month`)).not.toEqual(captured.get(`${CAPTURE_DAYS[1]}|month`));
  });

  it('the accuracy report equals an independent computation from the simulator’s ground truth', async () => {
    const report = await crm.get('/v1/pipeline/forecast/accuracy', { period: 'month', from: '2025-01', leadDays: LEADS.join(','), currency: 'EUR' });
    expect(report.periods[0]).toBe('2025-01');
    expect(report.periods.length).toBeGreaterThanOrEqual(20);
    const totals = report.rows.filter((r: { owner: string | null }) => r.owner === null);
    expect(totals.map((r: { period: string }) => r.period)).toEqual(report.periods);
    for (const row of totals) {
      const actual = actualWon(sim, row.period);
      expect({ period: row.period, actual: row.actual }).toEqual({ period: row.period, actual });
      for (const lead of row.leads) {
        const day = minusDays(periodEnd(row.period), lead.leadDays);
        expect(lead.asOfDay).toBe(day);
        const expected = expectedForecast(sim, row.period, day);
        for (const method of METHODS) {
          const got = lead.methods[method];
          const want = expected[method];
          if (want === null) {
            expect({ period: row.period, lead: lead.leadDays, method, forecast: got.forecast }).toEqual({ period: row.period, lead: lead.leadDays, method, forecast: null });
            continue;
          }
          // Weighted figures are float sums rounded once: the two computations may differ by one minor unit.
          expect({ period: row.period, lead: lead.leadDays, method, off: Math.abs(got.forecast - want) <= 1 }).toEqual({ period: row.period, lead: lead.leadDays, method, off: true });
          expect(got.error).toBe(got.forecast - actual);
          if (actual > 0) expect(got.ape).toBeCloseTo(Math.abs(got.forecast - actual) / actual, 5);
          else expect(got.ape).toBeNull();
        }
      }
    }
    // Per owner too: each owner's actual is their own won deals.
    for (const owner of OWNERS) {
      const rows = report.rows.filter((r: { owner: string | null }) => r.owner === owner);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const actual = sim.deals.filter((d) => d.owner === owner && outcomeBy(d, '9999')!.status === 'won' && d.states[d.states.length - 1].at.startsWith(row.period)).reduce((s, d) => s + d.amount, 0);
        expect(row.actual).toBe(actual);
      }
    }
  });

  it('on this data the learned method beats the deliberately wrong fixed stage probabilities, at every lead time', async () => {
    const report = await crm.get('/v1/pipeline/forecast/accuracy', { period: 'month', from: '2025-01', leadDays: LEADS.join(','), currency: 'EUR' });
    for (const lead of LEADS) {
      const of = (method: string) => report.summary.find((s: { owner: string | null; leadDays: number; method: string }) => s.owner === null && s.leadDays === lead && s.method === method);
      expect(of('learned_weighted').periods).toBeGreaterThanOrEqual(20);
      expect(of('learned_weighted').mape).toBeLessThan(of('stage_weighted').mape);
      expect(of('learned_weighted').wape).toBeLessThan(of('stage_weighted').wape);
      // The wrong probabilities over-forecast: their bias is positive, and larger than the learned method's.
      expect(of('stage_weighted').meanBias).toBeGreaterThan(Math.abs(of('learned_weighted').meanBias));
    }
  });

  it('reports the sales cycle: conversions near the true advance rates, slipped deals counted', async () => {
    const cycle = await crm.get('/v1/pipeline/sales-cycle');
    const lead = cycle.total.stages.find((s: { stage: string }) => s.stage === 'lead');
    const fromLead = sim.deals.length;
    expect(lead.exits).toBe(fromLead);
    const advanced = sim.deals.filter((d) => d.visited.includes('qualified')).length;
    expect(lead.conversion).toBeCloseTo(advanced / fromLead, 4);
    expect(cycle.total.opened).toBe(sim.deals.length);
    expect(cycle.total.won).toBe(sim.deals.filter((d) => outcomeBy(d, '9999')!.status === 'won').length);
    const slipped = sim.deals.filter((d) => new Set(d.states.map((s) => s.expectedCloseDate)).size > 1).length;
    expect(cycle.total.slipped.deals).toBe(slipped);
    expect(cycle.owners.map((o: { owner: string }) => o.owner)).toEqual([...OWNERS].sort());
    expect(cycle.total.medianWonCycleDays).toBeGreaterThan(20);
  });
});
