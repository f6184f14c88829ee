import {
  DomainError,
  EVENT_SCHEMA_VERSIONS,
  customerDecider,
  customerStreamId,
  dealDecider,
  dealStreamId,
  forecastDecider,
  forecastStreamId,
  isDomainEventType,
  type DealCommand,
  type DealStage,
  type DealState,
  type DomainEvent,
  type ForecastCategory,
} from '@touchpoint/domain';
import { issueApiKey } from '@touchpoint/auth';
import { SqliteEventStore, type AppendOptions, type AppendResult, type NewEvent } from '@touchpoint/event-store';
import { loadConfig } from '@touchpoint/platform';
import { addDays, periodEnd, shiftPeriod, type AccuracyReport, type Forecast } from '@touchpoint/read-models';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApiKeyStore, createKeyStore, withEncryption } from '../../../apps/api/src/engines';
import { runChild, type ChildHandle, type ChildMessage } from '../child';
import { SEED, type BenchContext, type Scenario } from '../context';
import { Rng } from '../prng';
import type { TimedResult } from '../roles';
import { watchPeakRss } from '../rss';
import { LatencyRecorder, once, peakRssMiB, round, type LatencySummary, type MeasuredRow } from '../stats';
import { waitForProjector, waitIdle } from './clv';
import { startServer, type Server } from './http';

/**
 * Pipeline forecasting over a long history (issue #19): a seeded sales organisation (20,000 customers, 50 owners,
 * 100,000 deals, ≈ 1M deal events, monthly forecast submissions) written in business-time order straight into the
 * app's store, then the real API (child process, projector in process) catching up on it from an empty read side,
 * and answering the live forecast, forecasts as of past days, and the accuracy report over 24 closed months.
 */

/** Bump when the generator changes: cached logs are then ignored. */
const FORECAST_HISTORY_VERSION = 1;

export interface ForecastHistoryOptions {
  seed: number;
  customers: number;
  owners: number;
  deals: number;
  /** business time of the first event; deals open until `end` (exclusive), and nothing happens after it */
  start: string;
  end: string;
}

/**
 * The 24 months the accuracy report scores end with the month before `end`'s; the history starts 90 days (the longest
 * lead time) before the first of them ends, so that every period × lead time reads a day of the history: 2024-09-01 to
 * 2026-11-09, 26 months of business time.
 */
const START = '2024-09-01T00:00:00.000Z';
const END = '2026-11-10T00:00:00.000Z';
const FULL_SIZES = { customers: 20_000, owners: 50, deals: 100_000 };
const QUICK_SIZES = { customers: 500, owners: 5, deals: 1_000 };

export function forecastHistoryDataset(ctx: Pick<BenchContext, 'quick'>): ForecastHistoryOptions {
  return { seed: SEED ^ 0xf0c, ...(ctx.quick ? QUICK_SIZES : FULL_SIZES), start: START, end: END };
}

/** The accuracy report's query: 24 monthly periods, 4 lead times, in EUR. */
export function accuracyPeriods(o: Pick<ForecastHistoryOptions, 'end'>): { from: string; to: string } {
  const to = shiftPeriod(o.end.slice(0, 7), -1);
  return { from: shiftPeriod(to, -23), to };
}
const LEAD_DAYS = [90, 60, 30, 7];

export interface HistoryEvent {
  streamId: string;
  type: DomainEvent['type'];
  data: Record<string, unknown>;
  /** who did it: the deal's owner, the submitter, or the importer for customers */
  actor: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const FIRST = ['Olena', 'Marco', 'Aiko', 'Jonas', 'Priya', 'Lucas', 'Maja', 'Omar', 'Sofia', 'Tomasz', 'Ines', 'Kwame'];
const LAST = ['Kovalenko', 'Rossi', 'Tanaka', 'Berg', 'Sharma', 'Silva', 'Novak', 'Haddad', 'Garcia', 'Wojcik', 'Moreau', 'Mensah'];
const CITIES = ['Kyiv', 'Lviv', 'Berlin', 'Milan', 'Lisbon', 'Warsaw', 'Lyon', 'Porto'];
const TITLES = ['Fleet', 'Renewal', 'Upgrade', 'Pilot', 'Rollout', 'Expansion', 'Support plan'];
const LOSS_REASONS = ['price', 'timing', 'no budget', 'went with a competitor', 'no decision'];
const MANAGER = 'sales.manager';
const TEAM = 'all-reps';
/**
 * The days of the month (UTC) on which owners call their month (on the last of them, the next month's too), and the one on
 * which the manager calls the team's.
 */
const SUBMISSION_DAYS = [2, 12, 22];
const TEAM_DAY = 3;

/** Mean days in each stage (exponential); where a deal goes when it leaves one (cumulative probabilities). */
const STAGE_DAYS: Record<DealStage, number> = { lead: 12, qualified: 16, proposal: 20, negotiation: 14 };
const NEXT: Record<DealStage, Array<[number, DealStage | 'won' | 'lost']>> = {
  lead: [[0.8, 'qualified'], [1, 'lost']],
  qualified: [[0.78, 'proposal'], [0.83, 'lead'], [1, 'lost']],
  proposal: [[0.74, 'negotiation'], [0.79, 'won'], [0.86, 'qualified'], [1, 'lost']],
  negotiation: [[0.64, 'won'], [0.74, 'proposal'], [1, 'lost']],
};
/** Updates an owner makes while the deal sits in a stage (min, max), and the forecast category they give it there. */
const UPDATES: Record<DealStage, [number, number]> = { lead: [1, 2], qualified: [1, 3], proposal: [1, 4], negotiation: [1, 4] };
const CATEGORIES: Record<DealStage, Array<[number, ForecastCategory]>> = {
  lead: [[0.9, 'pipeline'], [1, 'omitted']],
  qualified: [[0.7, 'pipeline'], [0.95, 'best_case'], [1, 'omitted']],
  proposal: [[0.3, 'pipeline'], [0.85, 'best_case'], [1, 'commit']],
  negotiation: [[0.05, 'pipeline'], [0.35, 'best_case'], [1, 'commit']],
};

type Planned = { at: number; kind: 'move'; to: DealStage | 'won' | 'lost' } | { at: number; kind: 'amount' | 'category' | 'estimate' };

interface DealSim {
  id: string;
  customerId: string;
  owner: string;
  currency: string;
  state: DealState;
  /** business time (ms) the deal will be won or lost (the owner does not know it, but estimates it) */
  end: number;
  /** what the owner will do, in time order; the next overdue slip is worked out from the close date */
  plan: Planned[];
  /** how long after its expected close date passes an open deal's date gets pushed */
  slipDelay: number;
}

type Entry = { at: number; kind: 'register' | 'open' | 'round' | 'team' } | { at: number; kind: 'deal'; deal: DealSim; slip: boolean } | { at: number; kind: 'submit'; owner: string; periods: string[] };
/** `seq` keeps entries due at the same moment in the order they were put in */
type Item = Entry & { seq: number };

/** A binary min-heap on (at, seq): the simulation's agenda, so everything comes out in business-time order. */
class Agenda {
  private readonly items: Item[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(entry: Entry): void {
    const items = this.items;
    items.push({ ...entry, seq: this.seq++ });
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Item | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length && last) {
      items[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l], items[m])) m = l;
        if (r < items.length && before(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}
const before = (a: Item, b: Item) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

const pickCumulative = <T>(rng: Rng, table: Array<[number, T]>): T => {
  const r = rng.next();
  return (table.find(([p]) => r < p) ?? table[table.length - 1])[1];
};
const exponential = (rng: Rng, mean: number) => -Math.log(1 - rng.next()) * mean;
const gaussian = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString();
const hundreds = (minor: number) => Math.max(100, Math.round(minor / 100) * 100);

/**
 * The history, in business-time order (the knowledge clock of the pipeline projection is the running max of
 * occurredAt in log order, so the day views need the log in that order). A discrete-event simulation:
 *  - customers registered over the first 70 % of the time (a fifth in the first hour), 85 % EUR, 15 % USD, each with
 *    an account owner;
 *  - deals arriving evenly, at a registered customer, owned by its account owner (80 %) or another;
 *    amounts log-normal around 15,000 (minor units, rounded to 100);
 *  - each deal's path drawn when it opens: days in stage exponential (12, 16, 20, 14), then on to the next stage, a step
 *    back, won (≈ 36 % of the deals) or lost; its first expected close date 50–110 % of the time it will really take;
 *  - while open, its owner updates it (amount ±, forecast category by stage, close date re-estimated around the real
 *    one), and pushes its close date 1–35 days later whenever it passes unclosed (slips);
 *  - every owner submits the month's forecast on the 2nd, 12th and 22nd (85 % of the time; on the 22nd the next month's
 *    too), per currency, from the simulation's own figures (won so far + open commit / best case, with the owner's
 *    optimism); the manager submits a team call on the 3rd.
 * Every event comes out of the real deciders. Deterministic for a given set of options.
 */
export function* forecastHistory(o: ForecastHistoryOptions): Generator<HistoryEvent> {
  const rng = new Rng(o.seed);
  const start = Date.parse(o.start);
  const end = Date.parse(o.end);
  const span = end - start;
  const owners = Array.from({ length: o.owners }, (_, i) => `rep.${FIRST[i % FIRST.length].toLowerCase()}.${String(i + 1).padStart(2, '0')}`);
  const ownerWeights = owners.map(() => 0.5 + rng.next());
  const weightTotal = ownerWeights.reduce((a, b) => a + b, 0);
  const pickOwner = () => {
    let r = rng.next() * weightTotal;
    for (let i = 0; i < owners.length; i++) if ((r -= ownerWeights[i]) < 0) return owners[i];
    return owners[owners.length - 1];
  };
  const customers: Array<{ id: string; currency: string; owner: string }> = [];
  /** owner → open deals */
  const openByOwner = new Map<string, Set<DealSim>>(owners.map((owner) => [owner, new Set()]));
  /** `owner|YYYY-MM|currency` → won amount in that month */
  const won = new Map<string, number>();
  /** `owner|YYYY-MM|currency` → the owner's latest call */
  const calls = new Map<string, { closed: number; commit: number; bestCase: number }>();
  const agenda = new Agenda();

  const registerAt = (i: number) => {
    const first = Math.floor(o.customers * 0.2);
    return i < first ? start + ((i + 0.5) / first) * HOUR_MS : start + HOUR_MS + ((i - first + 0.5) / (o.customers - first)) * 0.7 * span;
  };
  const openAt = (k: number) => start + HOUR_MS + ((k + rng.next() * 0.9) / o.deals) * (span - HOUR_MS);
  agenda.push({ at: registerAt(0), kind: 'register' });
  agenda.push({ at: openAt(0), kind: 'open' });
  for (let m = o.start.slice(0, 7); m <= o.end.slice(0, 7); m = shiftPeriod(m, 1)) {
    for (const day of SUBMISSION_DAYS) agenda.push({ at: Date.parse(`${m}-${String(day).padStart(2, '0')}T08:00:00.000Z`), kind: 'round' });
    agenda.push({ at: Date.parse(`${m}-${String(TEAM_DAY).padStart(2, '0')}T16:00:00.000Z`), kind: 'team' });
  }
  let registered = 0;
  let opened = 0;

  const runDeal = (deal: DealSim, command: DealCommand): HistoryEvent[] => {
    try {
      const events = dealDecider.decide(command, deal.state);
      for (const e of events) deal.state = dealDecider.evolve(deal.state, e);
      return events.map((e) => ({ streamId: dealStreamId(deal.id), type: e.type, data: e.data as Record<string, unknown>, actor: deal.owner }));
    } catch (error) {
      if (error instanceof DomainError) return []; // e.g. a category update planned after the deal closed
      throw error;
    }
  };

  /** The deal's next step: its next planned update, or a slip first when its expected close date passes before. */
  const schedule = (deal: DealSim) => {
    const next = deal.plan[0];
    if (!next) return;
    const slipAt = Date.parse(`${deal.state.expectedCloseDate}T00:00:00.000Z`) + DAY_MS + deal.slipDelay;
    agenda.push(slipAt < next.at ? { at: slipAt, kind: 'deal', deal, slip: true } : { at: next.at, kind: 'deal', deal, slip: false });
  };

  const insert = (deal: DealSim, item: Planned) => {
    const i = deal.plan.findIndex((p) => p.at > item.at);
    deal.plan.splice(i < 0 ? deal.plan.length : i, 0, item);
  };

  const openDeal = (at: number): HistoryEvent[] => {
    const customer = customers[rng.int(0, registered - 1)];
    const owner = rng.chance(0.8) ? customer.owner : pickOwner();
    // The path: stage by stage until won or lost, with the owner's updates spread over each stay.
    const plan: Planned[] = [];
    let stage: DealStage = 'lead';
    let t = at;
    for (let steps = 0; ; steps++) {
      const leave = t + Math.max(0.25 * DAY_MS, exponential(rng, STAGE_DAYS[stage] * DAY_MS));
      const [min, max] = UPDATES[stage];
      for (let n = rng.int(min, max); n > 0; n--) {
        const r = rng.next();
        plan.push({ at: t + rng.next() * (leave - t), kind: r < 0.35 ? 'amount' : r < 0.75 ? 'category' : 'estimate' });
      }
      const to: DealStage | 'won' | 'lost' = steps >= 10 ? 'lost' : pickCumulative(rng, NEXT[stage]);
      plan.push({ at: leave, kind: 'move', to });
      t = leave;
      if (to === 'won' || to === 'lost') break;
      stage = to;
    }
    plan.sort((a, b) => a.at - b.at);
    const expected = at + Math.max(7 * DAY_MS, (t - at) * (0.5 + 0.6 * rng.next()));
    const deal: DealSim = { id: rng.uuid(), customerId: customer.id, owner, currency: customer.currency, state: dealDecider.initialState(), end: t, plan, slipDelay: rng.next() * 5 * DAY_MS };
    const amount = hundreds(1_500_000 * Math.exp(0.9 * gaussian(rng)));
    const events = runDeal(deal, {
      type: 'OpenDeal',
      data: { dealId: deal.id, customerId: customer.id, title: `${rng.pick(TITLES)} ${rng.int(1, 99)}`, amount, currency: customer.currency, stage: 'lead', expectedCloseDate: dayOf(expected), owner, occurredAt: iso(at) },
    });
    openByOwner.get(owner)!.add(deal);
    schedule(deal);
    return events;
  };

  const step = (deal: DealSim, at: number, slip: boolean): HistoryEvent[] => {
    const occurredAt = iso(at);
    const dealId = deal.id;
    if (slip) {
      deal.slipDelay = rng.next() * 5 * DAY_MS;
      const events = runDeal(deal, { type: 'ChangeDealCloseDate', data: { dealId, expectedCloseDate: dayOf(at + (1 + rng.next() * 34) * DAY_MS), occurredAt } });
      schedule(deal);
      return events;
    }
    const planned = deal.plan.shift()!;
    const stage = deal.state.stage!;
    let events: HistoryEvent[];
    switch (planned.kind) {
      case 'move': {
        if (planned.to === 'won' || planned.to === 'lost') {
          events =
            planned.to === 'won'
              ? runDeal(deal, { type: 'WinDeal', data: { dealId, ...(rng.chance(0.15) && { amount: hundreds(deal.state.amount! * (0.85 + 0.15 * rng.next())) }), occurredAt } })
              : runDeal(deal, { type: 'LoseDeal', data: { dealId, reason: rng.pick(LOSS_REASONS), ...(rng.chance(0.3) && { competitor: rng.pick(['Acme', 'Globex', 'Initech']) }), occurredAt } });
          openByOwner.get(deal.owner)!.delete(deal);
          if (planned.to === 'won') {
            const key = `${deal.owner}|${occurredAt.slice(0, 7)}|${deal.currency}`;
            won.set(key, (won.get(key) ?? 0) + deal.state.amount!);
          }
          return events; // closed: nothing more is planned
        }
        events = runDeal(deal, { type: 'ChangeDealStage', data: { dealId, stage: planned.to, occurredAt } });
        // A deal reaching proposal or negotiation usually gets its category within a few days.
        if ((planned.to === 'proposal' || planned.to === 'negotiation') && rng.chance(0.7)) insert(deal, { at: at + rng.next() * 3 * DAY_MS, kind: 'category' });
        break;
      }
      case 'amount':
        events = runDeal(deal, { type: 'ChangeDealAmount', data: { dealId, amount: hundreds(deal.state.amount! * (0.8 + 0.45 * rng.next())), occurredAt } });
        break;
      case 'category':
        events = runDeal(deal, { type: 'SetDealForecastCategory', data: { dealId, category: pickCumulative(rng, CATEGORIES[stage]), setBy: deal.owner, mayActForOthers: false, occurredAt } });
        break;
      case 'estimate': {
        // Re-estimated around when it will really close, more precisely as that comes nearer; never before tomorrow.
        const sigma = Math.max(2 * DAY_MS, 0.25 * (deal.end - at));
        events = runDeal(deal, { type: 'ChangeDealCloseDate', data: { dealId, expectedCloseDate: dayOf(Math.max(at + DAY_MS, deal.end + gaussian(rng) * sigma)), occurredAt } });
        break;
      }
    }
    schedule(deal);
    return events;
  };

  const submit = (owner: string, at: number, period: string): HistoryEvent[] => {
    const open = new Map<string, { commit: number; bestCase: number; pipeline: number }>();
    for (const deal of openByOwner.get(owner)!) {
      if (deal.state.expectedCloseDate!.slice(0, 7) !== period) continue;
      const sums = open.get(deal.currency) ?? { commit: 0, bestCase: 0, pipeline: 0 };
      const category = deal.state.forecastCategory ?? 'pipeline';
      if (category === 'commit') sums.commit += deal.state.amount!;
      else if (category === 'best_case') sums.bestCase += deal.state.amount!;
      else if (category === 'pipeline') sums.pipeline += deal.state.amount!;
      open.set(deal.currency, sums);
    }
    const out: HistoryEvent[] = [];
    for (const currency of ['EUR', 'USD']) {
      const closed = won.get(`${owner}|${period}|${currency}`) ?? 0;
      const sums = open.get(currency);
      if (currency !== 'EUR' && !sums && closed === 0) continue;
      const { commit: c = 0, bestCase: b = 0, pipeline: p = 0 } = sums ?? {};
      // The owner's call: what is won, plus most of the commit deals and some of the best case ones.
      const commit = closed + Math.round(c * (0.8 + 0.35 * rng.next()));
      const bestCase = commit + Math.round(b * (0.7 + 0.4 * rng.next()));
      const submissionId = rng.uuid();
      const amounts = { closed, commit, bestCase, pipeline: p };
      calls.set(`${owner}|${period}|${currency}`, amounts);
      const events = forecastDecider.decide(
        { type: 'SubmitForecast', data: { submissionId, scope: 'owner', name: owner, period, currency, amounts, ...(rng.chance(0.1) && { comment: 'Two deals may slip to next month.' }), occurredAt: iso(at), submittedBy: owner, mayActForOthers: false } },
        forecastDecider.initialState(),
      );
      out.push(...events.map((e) => ({ streamId: forecastStreamId(submissionId), type: e.type, data: e.data as Record<string, unknown>, actor: owner })));
    }
    return out;
  };

  const teamCall = (at: number): HistoryEvent[] => {
    const period = iso(at).slice(0, 7);
    const total = { closed: 0, commit: 0, bestCase: 0 };
    for (const owner of owners) {
      const call = calls.get(`${owner}|${period}|EUR`);
      if (!call) continue;
      total.closed += call.closed;
      total.commit += call.commit;
      total.bestCase += call.bestCase;
    }
    const submissionId = rng.uuid();
    const events = forecastDecider.decide(
      { type: 'SubmitForecast', data: { submissionId, scope: 'team', name: TEAM, period, currency: 'EUR', amounts: total, occurredAt: iso(at), submittedBy: MANAGER, mayActForOthers: true } },
      forecastDecider.initialState(),
    );
    return events.map((e) => ({ streamId: forecastStreamId(submissionId), type: e.type, data: e.data as Record<string, unknown>, actor: MANAGER }));
  };

  for (let item = agenda.pop(); item && item.at < end; item = agenda.pop()) {
    let out: HistoryEvent[] = [];
    switch (item.kind) {
      case 'register': {
        const id = rng.uuid();
        const first = rng.pick(FIRST);
        const last = rng.pick(LAST);
        const customer = { id, currency: rng.chance(0.85) ? 'EUR' : 'USD', owner: pickOwner() };
        customers.push(customer);
        const events = customerDecider.decide(
          {
            type: 'RegisterCustomer',
            data: {
              customerId: id,
              kind: 'company',
              name: `${last} ${rng.pick(['GmbH', 'Ltd', 'S.p.A.', 'TOV', 'S.A.'])}`,
              email: `${first}.${last}.${registered + 1}@example.com`.toLowerCase(),
              address: { line1: `${rng.int(1, 200)} Main Street`, city: rng.pick(CITIES), country: rng.pick(['UA', 'DE', 'IT', 'PT', 'PL', 'FR']) },
              company: `${last} Group`,
              tags: [],
              owner: customer.owner,
              occurredAt: iso(item.at),
            },
          },
          customerDecider.initialState(),
        );
        out = events.map((e) => ({ streamId: customerStreamId(id), type: e.type, data: e.data as Record<string, unknown>, actor: 'bench-import' }));
        if (++registered < o.customers) agenda.push({ at: registerAt(registered), kind: 'register' });
        break;
      }
      case 'open':
        out = openDeal(item.at);
        if (++opened < o.deals) agenda.push({ at: openAt(opened), kind: 'open' });
        break;
      case 'deal':
        out = step(item.deal, item.at, item.slip);
        break;
      case 'round': {
        const month = iso(item.at).slice(0, 7);
        const periods = Number(iso(item.at).slice(8, 10)) === SUBMISSION_DAYS[SUBMISSION_DAYS.length - 1] ? [month, shiftPeriod(month, 1)] : [month];
        for (const owner of owners) if (rng.chance(0.85)) agenda.push({ at: item.at + rng.next() * 9 * HOUR_MS, kind: 'submit', owner, periods });
        break;
      }
      case 'submit':
        out = item.periods.flatMap((period) => submit(item.owner, item.at, period));
        break;
      case 'team':
        out = teamCall(item.at);
        break;
    }
    yield* out;
  }
}

type Report = (m: ChildMessage) => void;

export interface SeededLog extends TimedResult {
  lastPosition: number;
  byType: Record<string, number>;
  deals: number;
  openDeals: number;
  bytes: number;
}

const CHUNK = 20_000;

/**
 * Role `generate-forecast-history`: writes the history into `<dir>/events.db` as the app stores it (personal fields
 * sealed with per-customer keys in keys.db, hash chain), 20,000 events per group-commit transaction, in business-time
 * order. The encrypting store seals each append after an await whose length depends on the event, so appends queued
 * through it in one turn may reach the log out of order: each chunk is sealed first (through the app's
 * `EncryptingEventStore` over a store that only keeps what it is given), then queued on the SQLite store in order.
 */
export async function writeForecastHistory(args: { dir: string; options: ForecastHistoryOptions }, report: Report): Promise<SeededLog> {
  const config = loadConfig({ TOUCHPOINT_DATA_DIR: args.dir });
  // An import, not a measurement: no fsync per group (generator only), and enough page cache for the random-key indexes.
  const sqlite = new SqliteEventStore({ filename: join(args.dir, 'events.db'), synchronous: 'NORMAL' });
  sqlite.database.pragma('cache_size = -131072');
  const keys = await createKeyStore(config);
  const sealed = new Map<AppendOptions, NewEvent[]>();
  const keep = {
    append: async (streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> => {
      sealed.set(options, events);
      return { streamId, streamRevision: -1, globalPosition: 0, events: [], replayed: false };
    },
  };
  const sealer = withEncryption(keep as unknown as Parameters<typeof withEncryption>[0], keys);
  const byType: Record<string, number> = {};
  const streams = new Set<string>();
  let written = 0;
  let lastPosition = 0;
  const started = Date.now();
  const flush = async (chunk: HistoryEvent[]) => {
    // Runs of the same stream become one append; their order is the log's.
    const runs: Array<{ streamId: string; events: NewEvent[]; options: AppendOptions }> = [];
    for (const e of chunk) {
      if (!isDomainEventType(e.type)) throw new Error(`generated an unknown event type ${e.type}`);
      const event = { type: e.type, schemaVersion: EVENT_SCHEMA_VERSIONS[e.type], data: e.data };
      const last = runs[runs.length - 1];
      if (last?.streamId === e.streamId) last.events.push(event);
      else runs.push({ streamId: e.streamId, events: [event], options: { expectedRevision: 'any', metadata: { actor: e.actor, correlationId: 'bench', causationId: 'bench' } } });
      byType[e.type] = (byType[e.type] ?? 0) + 1;
      if (e.type === 'DealOpened') streams.add(e.streamId);
    }
    await Promise.all(runs.map((r) => sealer.append(r.streamId, r.events, r.options)));
    // Queued in one turn, in order: one transaction, positions in business-time order.
    const results = await Promise.all(runs.map((r) => sqlite.append(r.streamId, sealed.get(r.options)!, r.options)));
    sealed.clear();
    for (const r of results) lastPosition = Math.max(lastPosition, r.globalPosition);
    written += chunk.length;
    report({ type: 'progress', done: written, total: 0 });
  };
  let chunk: HistoryEvent[] = [];
  for (const e of forecastHistory(args.options)) {
    chunk.push(e);
    if (chunk.length >= CHUNK) {
      await flush(chunk);
      chunk = [];
    }
  }
  if (chunk.length) await flush(chunk);
  const ms = Date.now() - started;
  await sqlite.close();
  await keys.close();

  // The knowledge clock needs the log in business-time order: check it, and count the deals still open.
  const db = new Database(join(args.dir, 'events.db'), { readonly: true });
  const outOfOrder = db
    .prepare(`SELECT COUNT(*) FROM (SELECT json_extract(data, '$.occurredAt') AS at, LAG(json_extract(data, '$.occurredAt')) OVER (ORDER BY global_position) AS previous FROM events) WHERE at < previous`)
    .pluck()
    .get() as number;
  db.close();
  if (outOfOrder > 0) throw new Error(`${outOfOrder} events are before their predecessor in business time`);
  const closed = (byType.DealWon ?? 0) + (byType.DealLost ?? 0);
  return { events: written, ms, peakRssMiB: peakRssMiB(), lastPosition, byType, deals: streams.size, openDeals: streams.size - closed, bytes: statSync(join(args.dir, 'events.db')).size };
}

const LOG_FILES = ['events.db', 'keys.db'];

/**
 * Puts the seeded log (events.db and its data keys) into `dir`. Full mode keeps one copy under
 * bench/.cache/forecast-history-<key>/ (the key: generator version, options, event schema versions), since writing
 * it takes minutes and is not measured; quick mode always generates.
 */
async function seededLog(ctx: BenchContext, dir: string, options: ForecastHistoryOptions): Promise<SeededLog> {
  const generate = async (into: string) => {
    const bar = ctx.progress('generate forecast history', Math.round(options.deals * 10.5));
    const child = runChild<SeededLog>('generate-forecast-history', { dir: into, options }, (done) => bar.update(done));
    const seeded = await child.result.finally(() => bar.stop());
    ctx.log(`  generated ${seeded.events.toLocaleString('en-US')} events (${(seeded.bytes / 2 ** 20).toFixed(0)} MiB) in ${(seeded.ms / 1000).toFixed(1)} s`);
    return seeded;
  };
  if (ctx.quick) return generate(dir);
  const key = createHash('sha256').update(JSON.stringify({ FORECAST_HISTORY_VERSION, options, EVENT_SCHEMA_VERSIONS })).digest('hex').slice(0, 16);
  const cached = resolve('bench/.cache', `forecast-history-${key}`);
  let seeded: SeededLog;
  if (!existsSync(join(cached, 'complete'))) {
    const staging = `${cached}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    seeded = await generate(staging);
    writeFileSync(join(staging, 'complete'), `${JSON.stringify(seeded)}\n`);
    rmSync(cached, { recursive: true, force: true });
    renameSync(staging, cached);
  } else {
    seeded = JSON.parse(readFileSync(join(cached, 'complete'), 'utf8')) as SeededLog;
    ctx.log(`  reusing the seeded log in bench/.cache/forecast-history-${key} (same generator version, options and schema versions)`);
  }
  for (const file of LOG_FILES) copyFileSync(join(cached, file), join(dir, file));
  return seeded;
}

/** A copy of the seeded log in a fresh directory (each process that projects it gets its own read side). */
function copyLog(ctx: BenchContext, from: string, name: string): string {
  const dir = ctx.dir(name);
  for (const file of LOG_FILES) copyFileSync(join(from, file), join(dir, file));
  return dir;
}

async function get<T>(server: Server, path: string): Promise<{ ms: number; value: T; bytes: number }> {
  const started = process.hrtime.bigint();
  const response = await fetch(`${server.url}${path}`, { headers: server.headers });
  const text = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${text.slice(0, 1000)}`);
  return { ms, value: JSON.parse(text) as T, bytes: text.length };
}

/**
 * Sequential GETs of `paths`, each timed until its body is received (parsed after the clock stops: a forecast answer is
 * large, and its parse in this process is not the API's time); 20 untimed requests first (JIT, statement cache).
 */
async function timeSequential(server: Server, paths: readonly string[]): Promise<{ latency: LatencyRecorder; seconds: number }> {
  for (const path of paths.slice(0, 20)) await get(server, path);
  const latency = new LatencyRecorder();
  const started = process.hrtime.bigint();
  for (const path of paths) latency.recordMs((await get(server, path)).ms);
  return { latency, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const msList = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');

/** Every forecast answer carries every method, side by side. */
function checkForecast(path: string, f: Forecast): void {
  const methods = f.forecasts?.methods ?? [];
  for (const m of ['stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case', 'submitted']) {
    if (!methods.includes(m as (typeof methods)[number])) throw new Error(`GET ${path}: method ${m} missing from the answer (${JSON.stringify(methods)})`);
  }
}

/**
 * Days for the as-of forecasts: `n` days spread over the history (one in each of n equal slices, at a random point),
 * none of them a day the accuracy report reads, in random order.
 */
function asOfDays(options: ForecastHistoryOptions, n: number, avoid: Set<string>, rng: Rng): string[] {
  const start = Date.parse(options.start) + DAY_MS;
  const slice = (Date.parse(options.end) - 2 * DAY_MS - start) / n;
  const days: string[] = [];
  for (let i = 0; i < n; i++) {
    let day = dayOf(start + (i + rng.next()) * slice);
    while (avoid.has(day) || days.includes(day)) day = addDays(day, 1);
    days.push(day);
  }
  for (let i = days.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [days[i], days[j]] = [days[j], days[i]];
  }
  return days;
}

/** The days an accuracy report reads for these lead times (the view of each period's last day minus each lead). */
function accuracyDays(periods: string[], leads: number[]): string[] {
  return [...new Set(periods.flatMap((p) => leads.map((lead) => addDays(periodEnd(p), -lead))))];
}

/** The API (embedded default, projector in process) in a child process on `dir`, its peak RSS followed from the start. */
interface Api {
  child: ChildHandle<{ peakRssMiB: number }>;
  server: Server;
  rss: ReturnType<typeof watchPeakRss>;
  /** from the process start until it listened, ms */
  readyMs: number;
  startedAt: number;
  /** stops it; its own VmHWM at the end */
  stop(): Promise<number>;
}

async function startApi(dir: string): Promise<Api> {
  const startedAt = Date.now();
  const child = runChild<{ peakRssMiB: number }>('serve-api', { dir, projectorInProcess: true, role: 'sales' });
  child.result.catch(() => undefined); // a child that dies rejects before anyone awaits it
  const rss = watchPeakRss(child.process.pid!);
  let stopped: Promise<number> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      rss.stop();
      if (child.process.connected) child.send('stop');
      return (await child.result).peakRssMiB;
    })());
  try {
    const { port, token } = await child.ready;
    return { child, server: { url: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${token}` }, pid: child.process.pid ?? 0, stop: async () => NaN }, rss, readyMs: Date.now() - startedAt, startedAt, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The API's V8 heap and native memory as its /metrics reports them (prom-client's process metrics), MiB. */
async function memoryOf(url: string, serviceKey: string): Promise<{ heapUsed: number; heapTotal: number; external: number; rss: number }> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${serviceKey}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics: ${response.status} ${text.slice(0, 500)}`);
  const metric = (name: string) => round(Number(new RegExp(`^touchpoint_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20, 1);
  return { heapUsed: metric('nodejs_heap_size_used_bytes'), heapTotal: metric('nodejs_heap_size_total_bytes'), external: metric('nodejs_external_memory_bytes'), rss: metric('process_resident_memory_bytes') };
}
const fmtMemory = (m: { heapUsed: number; heapTotal: number; external: number; rss: number }) => `V8 heap ${m.heapUsed} MiB used of ${m.heapTotal}, external ${m.external} MiB, RSS ${m.rss} MiB`;

/** `--only forecast-history`. */
export const forecastHistoryScenario: Scenario = async (ctx) => {
  const options = forecastHistoryDataset(ctx);
  const logDir = ctx.dir('forecast-history');
  const seeded = await seededLog(ctx, logDir, options);
  const events = seeded.lastPosition;
  const dealEvents = Object.entries(seeded.byType).reduce((s, [type, n]) => s + (type.startsWith('Deal') ? n : 0), 0);
  ctx.log(
    `  ${events.toLocaleString('en-US')} events: ${seeded.deals.toLocaleString('en-US')} deals (${seeded.openDeals.toLocaleString('en-US')} open at the end), ${dealEvents.toLocaleString('en-US')} deal events, ${(seeded.byType.CustomerRegistered ?? 0).toLocaleString('en-US')} customers, ${(seeded.byType.ForecastSubmitted ?? 0).toLocaleString('en-US')} submissions`,
  );
  const rows: MeasuredRow[] = [];
  const { from, to } = accuracyPeriods(options);
  const periods: string[] = [];
  for (let p = from; p <= to; p = shiftPeriod(p, 1)) periods.push(p);

  // The floors: the log read and parsed, nothing else (its own process); a bare Fastify GET.
  const floor = await runChild<TimedResult>('read-parse', { dir: logDir }).result;
  rows.push({
    id: 'raw.forecast-history.read-parse',
    title: `raw read + JSON.parse of the seeded log, ${floor.events.toLocaleString('en-US')} events`,
    kind: 'baseline',
    engine: 'sqlite',
    ops: floor.events,
    seconds: floor.ms / 1000,
    throughput: floor.events / (floor.ms / 1000),
    unit: 'events/s',
    peakRssMiB: floor.peakRssMiB,
  });
  const getCount = ctx.quick ? 200 : 2000;
  const bare = await startServer('serve-bare');
  const bareGets = await timeSequential(bare, Array.from({ length: getCount }, () => '/v1/ping'));
  const bareRss = await bare.stop();
  rows.push({ id: 'raw.forecast-history.http.get', title: 'bare Fastify GET route', kind: 'baseline', engine: 'http', ops: getCount, seconds: bareGets.seconds, throughput: getCount / bareGets.seconds, unit: 'req/s', latencyMs: bareGets.latency.summary(), peakRssMiB: bareRss });

  // The API on the log with an empty read side: its in-process projector catches up on everything. A `service` key,
  // issued before it starts, reads its /metrics (V8 heap against RSS).
  const apiDir = copyLog(ctx, logDir, 'forecast-history-api');
  const keys = await createApiKeyStore(loadConfig({ TOUCHPOINT_DATA_DIR: apiDir }));
  const { secret: serviceKey } = await issueApiKey(keys, { name: 'bench-metrics', roles: ['service'], now: new Date() });
  await keys.close();
  const accuracyPath = `/v1/pipeline/forecast/accuracy?period=month&from=${from}&to=${to}&leadDays=${LEAD_DAYS.join(',')}&currency=EUR`;
  const accuracyDefault = accuracyDays(periods, LEAD_DAYS);
  const restarts = ctx.quick ? 1 : 2;
  const cold = new LatencyRecorder();
  const coldMs: number[] = [];
  let report: AccuracyReport | undefined;
  const coldReport = async (server: Server) => {
    const r = await get<AccuracyReport>(server, accuracyPath);
    if (r.value.periods.length !== 24 || r.value.rows.length === 0) throw new Error(`accuracy: ${r.value.periods.length} periods, ${r.value.rows.length} rows`);
    report ??= r.value;
    cold.recordMs(r.ms);
    coldMs.push(r.ms);
    return r.ms;
  };

  let api = await startApi(apiDir);
  try {
    const { server, rss } = api;
    await waitForProjector(ctx, server.url, events);
    const catchUpMs = Date.now() - api.startedAt;
    const catchUpRss = rss.read();
    // Once caught up the projector ranks the customers: measure from a quiet process.
    const settleMs = await waitIdle(api.child.process.pid!);
    const settledRss = rss.read();
    const caughtUpMemory = await memoryOf(server.url, serviceKey);
    const readDb = statSync(join(apiDir, 'read.db')).size + (existsSync(join(apiDir, 'read.db-wal')) ? statSync(join(apiDir, 'read.db-wal')).size : 0);
    const dayDocs = (() => {
      const db = new Database(join(apiDir, 'read.db'), { readonly: true });
      try {
        return db.prepare('SELECT COUNT(*) AS n, AVG(LENGTH(doc)) AS bytes FROM rm_pipeline_days').get() as { n: number; bytes: number };
      } finally {
        db.close();
      }
    })();
    ctx.log(`  API caught up with ${events.toLocaleString('en-US')} events in ${(catchUpMs / 1000).toFixed(1)} s from its start (listening after ${(api.readyMs / 1000).toFixed(1)} s), peak RSS ${catchUpRss} MiB; busy ${(settleMs / 1000).toFixed(1)} s more, ${settledRss} MiB; ${fmtMemory(caughtUpMemory)}`);
    ctx.log(`  read.db ${(readDb / 2 ** 20).toFixed(0)} MiB; ${dayDocs.n} pipeline_days documents of ${(dayDocs.bytes / 1024).toFixed(0)} KiB on average`);
    const catchUpRow: MeasuredRow = {
      id: 'forecast-history.catch-up',
      title: `API with in-process projector catching up on the seeded log from an empty read side, ${events.toLocaleString('en-US')} events (latency = from the process start to caught up)`,
      kind: 'scenario',
      engine: 'sqlite',
      ops: events,
      seconds: catchUpMs / 1000,
      throughput: events / (catchUpMs / 1000),
      unit: 'events/s',
      latencyMs: once(catchUpMs),
      peakRssMiB: settledRss,
      compareTo: { id: 'raw.forecast-history.read-parse', metric: 'throughput' },
      targets: [{ description: 'peak RSS ≤ 512 MiB', metric: 'peakRssMiB', comparison: 'atMost', threshold: 512 }],
      note: `GET /health polled every 250 ms until the projector's position reached the head; the process listened after ${(api.readyMs / 1000).toFixed(1)} s; peak RSS: the API child's VmHWM once caught up (${catchUpRss} MiB) and quiet again (the ranking after the catch-up kept it busy ${(settleMs / 1000).toFixed(1)} s); then /metrics: ${fmtMemory(caughtUpMemory)}; read.db ${(readDb / 2 ** 20).toFixed(0)} MiB, of it ${dayDocs.n} pipeline_days documents of ${(dayDocs.bytes / 1024).toFixed(0)} KiB on average`,
    };
    rows.push(catchUpRow);

    // (a) The live forecast: the same request again and again (a dashboard), then a mix of owners, currencies and periods.
    rss.reset();
    const first = await get<Forecast>(server, '/v1/pipeline/forecast');
    checkForecast('/v1/pipeline/forecast', first.value);
    const owners = [...new Set(first.value.byPeriodOwner.map((r) => r.owner))].sort();
    const live = await timeSequential(server, Array.from({ length: getCount }, () => '/v1/pipeline/forecast'));
    const mixRng = new Rng(SEED ^ 0xf0c1);
    const variants: string[] = [];
    for (const period of ['month', 'quarter']) {
      for (const owner of [undefined, ...owners]) {
        for (const currency of [undefined, 'EUR', 'USD']) {
          const q = new URLSearchParams({ period, ...(owner && { owner }), ...(currency && { currency }) });
          variants.push(`/v1/pipeline/forecast?${q}`);
        }
      }
    }
    const mix = Array.from({ length: getCount }, () => mixRng.pick(variants));
    for (const path of mix.slice(0, 5)) checkForecast(path, (await get<Forecast>(server, path)).value);
    const varied = await timeSequential(server, mix);
    const forecastRss = rss.read();
    const liveSummary = live.latency.summary();
    const variedSummary = varied.latency.summary();
    ctx.log(`  forecast: same request p99 ${liveSummary.p99} ms, mixed p99 ${variedSummary.p99} ms (answer ${(first.bytes / 1024).toFixed(0)} KiB)`);
    rows.push(
      {
        id: 'forecast-history.forecast',
        title: `GET /v1/pipeline/forecast, the same request, sequential (${seeded.openDeals.toLocaleString('en-US')} open deals)`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: getCount,
        seconds: live.seconds,
        throughput: getCount / live.seconds,
        unit: 'req/s',
        latencyMs: liveSummary,
        peakRssMiB: forecastRss,
        compareTo: { id: 'raw.forecast-history.http.get', metric: 'p99' },
        targets: [{ description: 'p99 ≤ 10 ms', metric: 'p99', comparison: 'atMost', threshold: 10 }],
        note: `every answer carries all five methods; ${(first.bytes / 1024).toFixed(0)} KiB of JSON each; the first (untimed) request computed it in ${Math.round(first.ms)} ms, the rest are the handler's per-view cache and serialisation; latency until the body is received (parsed after); peak RSS: the API child's over both forecast passes`,
      },
      {
        id: 'forecast-history.forecast.mixed',
        title: `GET /v1/pipeline/forecast, random period × owner × currency (${variants.length} variants), sequential`,
        kind: 'scenario',
        engine: 'sqlite',
        ops: getCount,
        seconds: varied.seconds,
        throughput: getCount / varied.seconds,
        unit: 'req/s',
        latencyMs: variedSummary,
        peakRssMiB: forecastRss,
        compareTo: { id: 'raw.forecast-history.http.get', metric: 'p99' },
        targets: [{ description: 'p99 ≤ 10 ms', metric: 'p99', comparison: 'atMost', threshold: 10 }],
        note: `${variants.length} distinct requests against the handler's cache of 64 answers per view, so most are computed; peak RSS as above`,
      },
    );

    // (b) Forecasts as of past days nobody asked for before: each day's first request reads its day view.
    rss.reset();
    const days = asOfDays(options, ctx.quick ? 6 : 20, new Set(accuracyDefault), new Rng(SEED ^ 0xa50f));
    const asOfFirst = new LatencyRecorder();
    const asOfAgain: number[] = [];
    let asOfSeconds = 0;
    const asOfMs: number[] = [];
    for (const day of days) {
      const r = await get<Forecast>(server, `/v1/pipeline/forecast?asOf=${day}`);
      checkForecast(`?asOf=${day}`, r.value);
      if (r.value.asOf.day === null || r.value.asOf.day > day) throw new Error(`GET forecast?asOf=${day}: answered as of ${r.value.asOf.day}`);
      asOfFirst.recordMs(r.ms);
      asOfMs.push(r.ms);
      asOfSeconds += r.ms / 1000;
      asOfAgain.push((await get<Forecast>(server, `/v1/pipeline/forecast?asOf=${day}`)).ms);
    }
    const asOfRss = rss.read();
    ctx.log(`  as-of forecasts, first request per day: ${msList(asOfMs)} ms; again: ${msList(asOfAgain)} ms`);
    rows.push({
      id: 'forecast-history.as-of',
      title: `GET /v1/pipeline/forecast?asOf=<day>, ${days.length} days never asked before, first request each (latency = one)`,
      kind: 'scenario',
      engine: 'sqlite',
      ops: days.length,
      seconds: asOfSeconds,
      throughput: days.length / asOfSeconds,
      unit: 'req/s',
      latencyMs: asOfFirst.summary(),
      peakRssMiB: asOfRss,
      targets: [{ description: 'first request ≤ 1 s', metric: 'p99', comparison: 'atMost', threshold: 1000 }],
      note: `days ${[...days].sort()[0]} … ${[...days].sort()[days.length - 1]} (one in each of ${days.length} equal slices of the history, none read by the accuracy report, asked in random order); first requests ${msList(asOfMs)} ms; the same days again ${msList(asOfAgain)} ms`,
    });

    // (c) The accuracy report over the 24 months: the first request (none of its day views read before), then again
    // (its day views kept by the API).
    rss.reset();
    await coldReport(server);
    const warmRuns = ctx.quick ? 2 : 5;
    const warm = new LatencyRecorder();
    const warmMs: number[] = [];
    let warmSeconds = 0;
    for (let i = 0; i < warmRuns; i++) {
      const r = await get<AccuracyReport>(server, accuracyPath);
      warm.recordMs(r.ms);
      warmMs.push(r.ms);
      warmSeconds += r.ms / 1000;
    }
    const accuracyRss = rss.read();
    const lifetime = rss.read();
    const stoppedRss = await api.stop();
    rows.push({
      id: 'forecast-history.accuracy.warm',
      title: `GET /v1/pipeline/forecast/accuracy, the same report again (its day views kept in the API)`,
      kind: 'scenario',
      engine: 'sqlite',
      ops: warmRuns,
      seconds: warmSeconds,
      throughput: warmRuns / warmSeconds,
      unit: 'reports/s',
      latencyMs: warm.summary(),
      peakRssMiB: accuracyRss,
      note: `no target of its own (the target is on the first request): the report once its ${accuracyDefault.length} day views are parsed and kept (PipelineViews keeps 512): ${msList(warmMs)} ms`,
    });
    rows.push({
      id: 'forecast-history.api.rss',
      title: 'API child from its start to its stop (catch-up, forecasts, as-of, accuracy): peak RSS',
      kind: 'scenario',
      engine: 'sqlite',
      ops: 2 * getCount + 2 * days.length + 1 + warmRuns,
      seconds: live.seconds + varied.seconds + asOfSeconds + coldMs[0] / 1000 + warmSeconds,
      throughput: (2 * getCount + 2 * days.length + 1 + warmRuns) / (live.seconds + varied.seconds + asOfSeconds + coldMs[0] / 1000 + warmSeconds),
      unit: 'req/s',
      peakRssMiB: Math.max(settledRss, forecastRss, asOfRss, accuracyRss),
      note: `no target (the memory target is on the catch-up): the largest phase's VmHWM (${rss.resettable ? 'reset with clear_refs at each phase' : 'cumulative, clear_refs refused'}): catch-up ${settledRss}, forecasts ${forecastRss}, as-of ${asOfRss}, accuracy ${accuracyRss} MiB (last poll ${lifetime}); the child's own VmHWM at stop ${stoppedRss} MiB`,
    });

    // (d) Restarts on the caught-up read side: the projector loads its cached collections; then the accuracy report is
    // the process's first request (cold day views, and cold code).
    const restartMs = new LatencyRecorder();
    const restartNotes: string[] = [];
    let restartRss = 0;
    let restartSeconds = 0;
    for (let i = 0; i < restarts; i++) {
      api = await startApi(apiDir);
      await waitForProjector(ctx, api.server.url, events);
      const ms = Date.now() - api.startedAt;
      await waitIdle(api.child.process.pid!);
      const memory = await memoryOf(api.server.url, serviceKey);
      const startRss = api.rss.read();
      restartMs.recordMs(ms);
      restartSeconds += ms / 1000;
      restartRss = Math.max(restartRss, startRss);
      const reportMs = await coldReport(api.server);
      restartNotes.push(`${(ms / 1000).toFixed(1)} s to caught up, ${startRss} MiB (${fmtMemory(memory)}), first report ${Math.round(reportMs)} ms`);
      ctx.log(`  restart ${i + 1}: ${restartNotes[i]}`);
      await api.stop();
    }
    rows.push({
      id: 'forecast-history.restart',
      title: `API restarted on the caught-up read side (latency = from the process start to the projector at the head)`,
      kind: 'scenario',
      engine: 'sqlite',
      ops: restarts,
      seconds: restartSeconds,
      throughput: restarts / restartSeconds,
      unit: 'restarts/s',
      latencyMs: restartMs.summary(),
      peakRssMiB: restartRss,
      note: `no target: the projector reads its cached collections back from read.db (nothing to project); peak RSS once quiet, before any request; ${restartNotes.join('; ')}`,
    });
    const total = report!.rows.find((r) => r.owner === null && r.currency === 'EUR');
    if (!total) throw new Error('accuracy: no EUR total row');
    const known = report!.rows.filter((r) => r.owner === null).flatMap((r) => r.leads).filter((l) => l.known).length;
    const wape = (method: string, lead: number) => report!.summary.find((s) => s.owner === null && s.currency === 'EUR' && s.method === method && s.leadDays === lead)?.wape;
    ctx.log(`  accuracy, first request: ${msList(coldMs)} ms (after the catch-up, then after each restart); again: ${msList(warmMs)} ms`);
    rows.push({
      id: 'forecast-history.accuracy',
      title: `GET /v1/pipeline/forecast/accuracy, 24 months (${from} … ${to}) × 4 lead times, EUR, first request of a process (latency = one report)`,
      kind: 'scenario',
      engine: 'sqlite',
      ops: coldMs.length,
      seconds: coldMs.reduce((a, b) => a + b, 0) / 1000,
      throughput: coldMs.length / (coldMs.reduce((a, b) => a + b, 0) / 1000),
      unit: 'reports/s',
      latencyMs: cold.summary(),
      peakRssMiB: accuracyRss,
      targets: [{ description: 'report ≤ 1 s', metric: 'p99', comparison: 'atMost', threshold: 1000 }],
      note: `leadDays ${LEAD_DAYS.join(',')}: ${accuracyDefault.length} distinct days to read; ${Math.round(coldMs[0])} ms after the catch-up and the passes above (none of them read those days), then ${msList(coldMs.slice(1))} ms as the first request after a restart; ${report!.rows.length} rows (the EUR total and each owner, per period); of the total's ${24 * LEAD_DAYS.length} period × lead views, ${known} known; WAPE of the EUR total at 30 days: stage_weighted ${wape('stage_weighted', 30)}, learned_weighted ${wape('learned_weighted', 30)}, category_commit ${wape('category_commit', 30)}, submitted ${wape('submitted', 30)}; peak RSS: the first process's over its accuracy phase`,
    });
  } catch (error) {
    await api.stop().catch(() => undefined);
    throw error;
  }

  // The operator's rebuild of the same log (`npm run rebuild`: its own process, heap limit 320 MiB), for comparison.
  // Quick mode leaves it out (rebuild-queries runs the same role) to stay within its time.
  if (ctx.quick) return rows;
  const rebuildDir = copyLog(ctx, logDir, 'forecast-history-rebuild');
  const bar = ctx.progress('rebuild (sqlite)', events);
  const rebuilt = await runChild<TimedResult>('rebuild', { dir: rebuildDir }, (done) => bar.update(done)).result.finally(() => bar.stop());
  ctx.log(`  rebuild: ${rebuilt.events.toLocaleString('en-US')} events in ${(rebuilt.ms / 1000).toFixed(1)} s, ${rebuilt.peakRssMiB} MiB`);
  rows.push({
    id: 'forecast-history.rebuild',
    title: `rebuild all read models from the seeded log, ${rebuilt.events.toLocaleString('en-US')} events (npm run rebuild's process settings)`,
    kind: 'scenario',
    engine: 'sqlite',
    ops: rebuilt.events,
    seconds: rebuilt.ms / 1000,
    throughput: rebuilt.events / (rebuilt.ms / 1000),
    unit: 'events/s',
    peakRssMiB: rebuilt.peakRssMiB,
    compareTo: { id: 'raw.forecast-history.read-parse', metric: 'throughput' },
    note: 'no target: Projector.rebuild in its own process (--max-old-space-size=320, MALLOC_ARENA_MAX=2), for comparison with the live catch-up above; peak RSS is that process\'s VmHWM',
  });
  return rows;
};
