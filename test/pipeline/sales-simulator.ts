/**
 * A seeded sales organisation for the forecast tests: owners who open deals over two years, deals that move through
 * the stages with known true probabilities and durations, close dates that slip, owners who over- or under-commit in
 * their forecast categories and submissions. It yields the commands to send, in time order, and keeps its own ground
 * truth (every deal's state at any moment) so the tests can compute what a forecast should have said independently
 * of the projection code.
 */
import { mulberry32, type Rng } from '@touchpoint/value-models';

export const STAGES = ['lead', 'qualified', 'proposal', 'negotiation'] as const;
export type Stage = (typeof STAGES)[number];
export type Category = 'pipeline' | 'best_case' | 'commit' | 'omitted';

/** P(advance to the next stage | in the stage); from negotiation the next step is winning. */
export const TRUE_ADVANCE: Record<Stage, number> = { lead: 0.6, qualified: 0.6, proposal: 0.7, negotiation: 0.6 };

/** P(won | the deal reached the stage) = product of the advance probabilities from it on. */
export const TRUE_WIN_RATE: Record<Stage, number> = Object.fromEntries(
  STAGES.map((s, i) => [s, STAGES.slice(i).reduce((p, t) => p * TRUE_ADVANCE[t], 1)]),
) as Record<Stage, number>;

export const OWNERS = ['anna', 'boris', 'chen', 'dana'] as const;
/** how far each owner's submitted commit is from what their deals say: anna over-commits, boris under-commits */
export const SUBMISSION_BIAS: Record<string, number> = { anna: 1.3, boris: 0.8, chen: 1 };

export const SIM_START = '2024-12-01';
const SIM_DAYS = 730;
/** no deal is opened in the last 150 days, so every deal closes before the end (no censored outcomes) */
const LAST_OPENING_DAY = SIM_DAYS - 150;
const DAY_MS = 86_400_000;

export type Action =
  | { at: string; kind: 'open'; dealId: string; owner: string; amount: number; expectedCloseDate: string }
  | { at: string; kind: 'stage'; dealId: string; owner: string; stage: Stage }
  | { at: string; kind: 'closeDate'; dealId: string; owner: string; expectedCloseDate: string }
  | { at: string; kind: 'category'; dealId: string; owner: string; category: Category }
  | { at: string; kind: 'won' | 'lost'; dealId: string; owner: string }
  | { at: string; kind: 'submit'; owner: string; period: string; commit: number; bestCase: number };

/** One deal's truth: its states over time. */
export interface SimDeal {
  dealId: string;
  owner: string;
  amount: number;
  openedAt: string;
  /** time-ordered changes; a state holds from its `at` on */
  states: Array<{ at: string; stage: Stage; expectedCloseDate: string; category: Category; status: 'open' | 'won' | 'lost' }>;
  /** stages visited, in order */
  visited: Stage[];
}

export interface Simulation {
  actions: Action[];
  deals: SimDeal[];
  submissions: Array<Extract<Action, { kind: 'submit' }>>;
  lastDay: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(ms).slice(0, 10);
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

/** Each owner's forecast category habit when a deal reaches a stage. */
function categoryFor(owner: string, stage: Stage): Category | undefined {
  if (owner === 'dana') return undefined; // never judges: everything stays `pipeline`
  if (owner === 'anna') return stage === 'proposal' || stage === 'negotiation' ? 'commit' : stage === 'qualified' ? 'best_case' : undefined; // optimist
  if (owner === 'boris') return stage === 'negotiation' ? 'best_case' : undefined; // pessimist
  return stage === 'negotiation' ? 'commit' : stage === 'proposal' ? 'best_case' : undefined; // chen
}

export function simulate(seed = 19): Simulation {
  const rng = mulberry32(seed);
  const start = Date.parse(`${SIM_START}T00:00:00Z`);
  const actions: Action[] = [];
  const deals: SimDeal[] = [];
  let n = 0;
  for (let day = 0; day < LAST_OPENING_DAY; day++) {
    if (rng() >= 0.85) continue;
    const owner = OWNERS[int(rng, 0, OWNERS.length - 1)];
    const dealId = `00000000-0000-4000-9000-${String(++n).padStart(12, '0')}`;
    const amount = int(rng, 50, 500) * 100;
    const opened = start + day * DAY_MS + 9 * 3_600_000 + int(rng, 0, 59) * 60_000;
    // The deal's true path first: each stage's duration and where it ends.
    const path: Array<{ at: number; to: Stage | 'won' | 'lost' }> = [];
    let t = opened;
    for (let stage: Stage = 'lead'; ; ) {
      t += int(rng, 5, 25) * DAY_MS + int(rng, 0, 120) * 60_000;
      if (rng() >= TRUE_ADVANCE[stage]) {
        path.push({ at: t, to: 'lost' });
        break;
      }
      const next: Stage | undefined = STAGES[STAGES.indexOf(stage) + 1];
      path.push({ at: t, to: next ?? 'won' });
      if (!next) break;
      stage = next;
    }
    const closesAt = path[path.length - 1].at;
    // The owner expects it in 45 days (optimistic: a won deal takes about 60), and pushes the date two weeks, three
    // days before it, while the deal is not done: close dates slip.
    let expectedCloseDate = dayOf(opened + 45 * DAY_MS);
    const pushes: Array<{ at: number; to: string }> = [];
    for (let due = Date.parse(`${expectedCloseDate}T12:00:00Z`); due < closesAt; due += 14 * DAY_MS) {
      const at = Math.max(opened + 60_000, due - 3 * DAY_MS);
      if (at >= closesAt) break;
      pushes.push({ at, to: dayOf(due + 14 * DAY_MS) });
    }
    let category: Category = 'pipeline';
    let stage: Stage = 'lead';
    const deal: SimDeal = { dealId, owner, amount, openedAt: iso(opened), states: [], visited: ['lead'] };
    const push = (at: number, status: 'open' | 'won' | 'lost') => deal.states.push({ at: iso(at), stage, expectedCloseDate, category, status });
    actions.push({ at: iso(opened), kind: 'open', dealId, owner, amount, expectedCloseDate });
    push(opened, 'open');
    const steps = [...pushes.map((p) => ({ at: p.at, push: p.to })), ...path.map((p) => ({ at: p.at, to: p.to }))].sort((x, y) => x.at - y.at);
    for (const step of steps) {
      if ('push' in step) {
        expectedCloseDate = step.push;
        actions.push({ at: iso(step.at), kind: 'closeDate', dealId, owner, expectedCloseDate });
        push(step.at, 'open');
        continue;
      }
      if (step.to === 'won' || step.to === 'lost') {
        actions.push({ at: iso(step.at), kind: step.to, dealId, owner });
        push(step.at, step.to);
        break;
      }
      stage = step.to;
      deal.visited.push(stage);
      actions.push({ at: iso(step.at), kind: 'stage', dealId, owner, stage });
      push(step.at, 'open');
      const judged = categoryFor(owner, stage);
      if (judged && judged !== category) {
        category = judged;
        actions.push({ at: iso(step.at + 60_000), kind: 'category', dealId, owner, category });
        push(step.at + 60_000, 'open');
      }
    }
    deals.push(deal);
  }
  // Submissions: each judging owner calls the month on its first day, from their own deals' state then.
  const submissions: Simulation['submissions'] = [];
  const sim: Simulation = { actions, deals, submissions, lastDay: dayOf(start + (SIM_DAYS - 1) * DAY_MS) };
  for (let m = 0; m < 24; m++) {
    const first = new Date(Date.UTC(2024, 11 + m, 1, 8, 0));
    const period = first.toISOString().slice(0, 7);
    for (const owner of Object.keys(SUBMISSION_BIAS)) {
      const at = first.toISOString();
      const open = deals
        .map((d) => ({ d, s: stateAt(d, at) }))
        .filter(({ d, s }) => d.owner === owner && s?.status === 'open' && s.expectedCloseDate.startsWith(period) && (s.stage === 'proposal' || s.stage === 'negotiation'));
      const base = open.reduce((sum, { d }) => sum + d.amount, 0);
      const commit = Math.round((base * SUBMISSION_BIAS[owner]) / 100) * 100;
      const submission = { at, kind: 'submit' as const, owner, period, commit, bestCase: Math.round((commit * 1.2) / 100) * 100 };
      submissions.push(submission);
      actions.push(submission);
    }
  }
  // Time order; ties keep a stable order (deal actions were generated in order per deal).
  actions.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return sim;
}

/** The deal's state at `at` (inclusive), or undefined before it was opened. */
export function stateAt(deal: SimDeal, at: string): SimDeal['states'][number] | undefined {
  let found: SimDeal['states'][number] | undefined;
  for (const s of deal.states) {
    if (s.at > at) break;
    found = s;
  }
  return found;
}

/** When the deal closed and how, if it had by `at`. */
export function outcomeBy(deal: SimDeal, at: string): { at: string; status: 'won' | 'lost' } | undefined {
  const last = deal.states[deal.states.length - 1];
  return last.status !== 'open' && last.at <= at ? { at: last.at, status: last.status } : undefined;
}

/** The expected close date the deal had when it left `stage` (its last open state in that stage). */
export function dueWhenLeft(deal: SimDeal, stage: Stage): string | undefined {
  let due: string | undefined;
  for (const s of deal.states) if (s.stage === stage && s.status === 'open') due = s.expectedCloseDate;
  return due;
}
