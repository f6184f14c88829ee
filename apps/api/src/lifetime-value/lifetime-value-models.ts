import type { AggregateRunner, AggregateSpec } from '@touchpoint/application';
import { notFound, VALUE_MODEL_STREAM, valueModelDecider, type LifetimeValueModelFitted, type ValueModelCommand, type ValueModelEvent, type ValueModelState } from '@touchpoint/domain';
import type { EventStore } from '@touchpoint/event-store';
import type { Clock, IdGenerator } from '@touchpoint/platform';
import { CUSTOMERS, lifetimeValue, predictWithFit, purchasesAsOf, valueByCurrency, type CustomerBody, type CustomerDoc, type LifetimeValue, type ReadStore } from '@touchpoint/read-models';
import {
  backtest,
  fitBgNbd,
  fitGammaGamma,
  summarise,
  type BacktestCustomer,
  type BacktestReport,
  type CustomerSummary,
  type Transaction,
} from '@touchpoint/value-models';

export type Fit = LifetimeValueModelFitted['data'];

export const LIFETIME_VALUE_MODELS = Symbol('LIFETIME_VALUE_MODELS');

/** The latest fit per currency, from the log (what the projector's ranking predicts with). */
export async function currentFitsFrom(store: EventStore): Promise<Record<string, Fit>> {
  const out: Record<string, Fit> = {};
  if ((await store.streamRevision(VALUE_MODEL_STREAM)) < 0) return out;
  for (const e of await store.readStream(VALUE_MODEL_STREAM)) if (e.type === 'LifetimeValueModelFitted') out[(e.data as Fit).currency] = e.data as Fit;
  return out;
}

export const valueModelAggregate: AggregateSpec<ValueModelCommand, ValueModelState, ValueModelEvent> = { decider: valueModelDecider, stateVersion: 'ltv-models.v1' };

export interface LifetimeValueSettings {
  /** a currency needs this many customers with a repeat purchase before a model is fitted for it */
  minRepeatCustomers: number;
  discountRatePerYear: number;
  /** days per model time unit (7: weeks, as the literature) */
  unitDays: number;
}

/** The headline prediction of a lifetime value answer: by the fitted model, or by the heuristic with the reason. */
export interface Predicted {
  method: 'bg_nbd_gamma_gamma' | 'heuristic';
  /** why the heuristic answers (no fit for the currency yet, too few repeat customers, …) */
  reason?: string;
  horizonDays: number;
  revenue: number;
  margin: number | null;
  purchases: number;
  /** 80 % interval of the number of purchases over the horizon, from the model's probability mass */
  purchasesInterval80?: { low: number; high: number };
  pAlive: number;
  /** Gamma-Gamma expected spend per purchase, minor units */
  spendPerPurchase?: number;
  discountRatePerYear?: number;
  /** the fit behind the figures: an auditor reproduces them from it and the customer's events */
  fit?: { fitId: string; fittedAt: string; currency: string; cutoff: Fit['cutoff']; params: Fit['params']; unitDays: number };
}

export type LifetimeValueAnswer = LifetimeValue & { predicted: Predicted };

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS);
const r2 = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** Both models fitted on one currency's summaries: what a fit event and a backtest report share. */
function fitModels(currency: string, summaries: CustomerSummary[], repeat: CustomerSummary[], unitDays: number, started: number) {
  const bg = fitBgNbd(summaries);
  const gg = fitGammaGamma(repeat);
  return {
    currency,
    model: 'bg_nbd_gamma_gamma' as const,
    params: { ...bg.params, ...gg.params },
    logLikelihood: { bgNbd: bg.logLikelihood, gammaGamma: gg.logLikelihood },
    iterations: { bgNbd: bg.iterations, gammaGamma: gg.iterations },
    converged: { bgNbd: bg.converged, gammaGamma: gg.converged },
    unitDays,
    customers: summaries.length,
    repeatCustomers: repeat.length,
    durationMs: Date.now() - started,
  };
}

/**
 * Predicted lifetime value by BG/NBD + Gamma-Gamma (libs/value-models) fitted on our own log: fits are recorded as
 * events (stream `ltv-models`), answers name the fit they used, and a backtest compares the model with what
 * happened next. Reads the read store (the customers' order books) and the log; the models themselves do no I/O.
 */
export class LifetimeValueModels {
  private cache: { revision: number; fits: Fit[] } = { revision: -2, fits: [] };

  constructor(
    private readonly deps: { store: EventStore; readStore: ReadStore; runner: AggregateRunner; clock: Clock; ids: IdGenerator; settings: LifetimeValueSettings },
  ) {}

  /** Every fit recorded, oldest first (re-read only when the stream grew: another process may have fitted). */
  async fits(): Promise<Fit[]> {
    const revision = await this.deps.store.streamRevision(VALUE_MODEL_STREAM);
    if (revision !== this.cache.revision) {
      const events = revision < 0 ? [] : await this.deps.store.readStream(VALUE_MODEL_STREAM);
      this.cache = { revision, fits: events.filter((e) => e.type === 'LifetimeValueModelFitted').map((e) => e.data as Fit) };
    }
    return this.cache.fits;
  }

  /** The fit current at `asOf`: the latest recorded one whose data ended at or before that moment. */
  async fitFor(currency: string, asOf: string): Promise<Fit | undefined> {
    const fits = await this.fits();
    for (let i = fits.length - 1; i >= 0; i -= 1) if (fits[i].currency === currency && fits[i].cutoff.businessTime <= asOf) return fits[i];
    return undefined;
  }

  /** The current fit per currency. */
  async current(): Promise<Record<string, Fit>> {
    const out: Record<string, Fit> = {};
    for (const fit of await this.fits()) out[fit.currency] = fit;
    return out;
  }

  /** The heuristic figures (kept under their names) plus the headline prediction. */
  async lifetimeValue(doc: CustomerBody, asOf: string, horizonDays: number): Promise<LifetimeValueAnswer> {
    const heuristic = lifetimeValue(doc, asOf, { horizonDays });
    return { ...heuristic, predicted: await this.predict(doc, asOf, horizonDays, heuristic) };
  }

  private async predict(doc: CustomerBody, asOf: string, horizonDays: number, heuristic: LifetimeValue): Promise<Predicted> {
    const fallback = (reason: string): Predicted => ({
      method: 'heuristic',
      reason,
      horizonDays,
      revenue: heuristic.predictedRevenue,
      margin: heuristic.predictedMargin,
      purchases: heuristic.predictedPurchases,
      pAlive: heuristic.pActive,
    });
    const currency = doc.value.currency;
    if (!currency) return fallback('the customer has no order yet');
    const fit = await this.fitFor(currency, asOf);
    if (!fit) return fallback(`no model fitted for ${currency} with data up to ${asOf.slice(0, 10)} (POST /v1/analytics/lifetime-value/fits)`);
    const prediction = predictWithFit(fit, doc.valueByCurrency[currency], asOf, horizonDays, this.deps.settings.discountRatePerYear);
    if (!prediction) return fallback('the customer has no purchase counted by the model');
    const revenue = prediction.revenue;
    const marginRate = heuristic.grossMargin === null ? null : heuristic.revenue === 0 ? 0 : heuristic.grossMargin / heuristic.revenue;
    return {
      method: 'bg_nbd_gamma_gamma',
      horizonDays,
      revenue: Math.round(revenue),
      margin: marginRate === null ? null : Math.round(revenue * marginRate),
      purchases: r2(prediction.purchases()),
      purchasesInterval80: prediction.interval80(),
      pAlive: r4(prediction.pAlive()),
      spendPerPurchase: Math.round(prediction.spendPerPurchase()),
      discountRatePerYear: this.deps.settings.discountRatePerYear,
      fit: { fitId: fit.fitId, fittedAt: fit.occurredAt, currency, cutoff: fit.cutoff, params: fit.params, unitDays: fit.unitDays },
    };
  }

  /** Every customer's purchases in `currency` as known at `cutoff`, from the order books (one read of the collection). */
  private async transactions(currency: string | undefined, cutoff: string): Promise<Map<string, Transaction[]>> {
    const byCurrency = new Map<string, Transaction[]>();
    for await (const doc of this.deps.readStore.scan<CustomerDoc>(CUSTOMERS, 2000)) {
      for (const c of Object.keys(doc.valueByCurrency ?? {})) {
        if (currency !== undefined && c !== currency) continue;
        const list = byCurrency.get(c) ?? [];
        for (const p of purchasesAsOf(doc.orderBook ?? {}, c, cutoff)) list.push({ customerId: doc.customerId, at: p.at, amount: p.amount });
        byCurrency.set(c, list);
      }
    }
    return byCurrency;
  }

  /**
   * Fits each currency (or one) on the purchases with business time at or before `cutoff` (default now), and
   * records each fit as an event. A currency with too few repeat customers is skipped, with the reason.
   */
  async fit(options: { currency?: string; cutoff?: string; trigger: 'manual' | 'scheduled'; actor: string }): Promise<{ fits: Fit[]; skipped: Array<{ currency: string; reason: string }> }> {
    const cutoff = options.cutoff ?? this.deps.clock.now().toISOString();
    const position = await this.deps.readStore.checkpoint('customers');
    const fits: Fit[] = [];
    const skipped: Array<{ currency: string; reason: string }> = [];
    const byCurrency = await this.transactions(options.currency, cutoff);
    if (options.currency !== undefined && !byCurrency.has(options.currency)) skipped.push({ currency: options.currency, reason: `no customer has purchases in ${options.currency}` });
    for (const [currency, transactions] of [...byCurrency].sort(([a], [b]) => a.localeCompare(b))) {
      const started = Date.now();
      const summaries = summarise(transactions, { cutoff, unitDays: this.deps.settings.unitDays });
      const repeat = summaries.filter((s) => s.frequency > 0 && s.monetary > 0);
      if (repeat.length < this.deps.settings.minRepeatCustomers) {
        skipped.push({ currency, reason: `${repeat.length} customers with a repeat purchase by ${cutoff.slice(0, 10)}; a fit needs ${this.deps.settings.minRepeatCustomers}` });
        continue;
      }
      const fit: Fit = {
        fitId: this.deps.ids.next(),
        ...fitModels(currency, summaries, repeat, this.deps.settings.unitDays, started),
        cutoff: { businessTime: cutoff, position },
        trigger: options.trigger,
        occurredAt: this.deps.clock.now().toISOString(),
      };
      await this.deps.runner.execute(valueModelAggregate, VALUE_MODEL_STREAM, { type: 'RecordLifetimeValueFit', data: fit }, { actor: options.actor, correlationId: fit.fitId, causationId: fit.fitId });
      fits.push(fit);
    }
    return { fits, skipped };
  }

  /**
   * Fits on the purchases up to `calibrationEnd` only, predicts each customer's purchases and revenue in
   * (calibrationEnd, holdoutEnd], and compares with what the log says happened: the model, the heuristic (as of
   * calibrationEnd, from the same purchases) and the zero baseline. Customers first seen after calibrationEnd are
   * not in it (they have no calibration history). Nothing is recorded.
   */
  async backtest(options: { calibrationEnd: string; holdoutEnd: string; currency: string }): Promise<{ fit: ReturnType<typeof fitModels> & { calibrationEnd: string }; report: BacktestReport }> {
    const { calibrationEnd, holdoutEnd, currency } = options;
    const unitDays = this.deps.settings.unitDays;
    const calibration: Transaction[] = [];
    // Per customer only what the comparison needs (not the document): memory stays small at 100k customers.
    const docs: Array<{ customerId: string; registeredAt: string; purchases: Array<{ at: string; amount: number }>; known: Array<{ at: string; amount: number }> }> = [];
    for await (const doc of this.deps.readStore.scan<CustomerDoc>(CUSTOMERS, 2000)) {
      if (!doc.valueByCurrency?.[currency]) continue;
      const upToHoldout = purchasesAsOf(doc.orderBook ?? {}, currency, holdoutEnd);
      if (!upToHoldout.some((p) => p.at <= calibrationEnd)) continue;
      const known = purchasesAsOf(doc.orderBook ?? {}, currency, calibrationEnd);
      docs.push({ customerId: doc.customerId, registeredAt: doc.registeredAt, purchases: upToHoldout, known });
      for (const p of known) calibration.push({ customerId: doc.customerId, at: p.at, amount: p.amount });
    }
    const started = Date.now();
    const summaries = summarise(calibration, { cutoff: calibrationEnd, unitDays });
    const repeat = summaries.filter((s) => s.frequency > 0 && s.monetary > 0);
    if (repeat.length < this.deps.settings.minRepeatCustomers) {
      throw notFound('not_enough_data', `${repeat.length} ${currency} customers with a repeat purchase by ${calibrationEnd.slice(0, 10)}; a backtest needs ${this.deps.settings.minRepeatCustomers}`, 'calibrationEnd');
    }
    const fitted = fitModels(currency, summaries, repeat, unitDays, started);
    const bySummary = new Map(summaries.map((s) => [s.customerId, s]));
    const holdoutDays = (dayOf(holdoutEnd) - dayOf(calibrationEnd));
    const customers: BacktestCustomer[] = [];
    for (const { customerId, registeredAt, purchases, known } of docs) {
      const summary = bySummary.get(customerId)!;
      const days = [...new Set(purchases.map((p) => dayOf(p.at)))].sort((a, b) => a - b);
      const holdout = purchases.filter((p) => p.at > calibrationEnd);
      const holdoutPurchaseDays = new Set(holdout.map((p) => dayOf(p.at))).size;
      // The heuristic as of calibrationEnd, on the same purchases (a 360 folded from the book as it stood then).
      const book = Object.fromEntries(known.map((p, i) => [String(i), { at: p.at, currency, total: p.amount, cost: null, refunded: 0, costReversed: 0, cancelled: false }]));
      const figures = valueByCurrency(book);
      const asThen = { customerId, registeredAt, value: { currency, revenue: figures[currency]?.revenue ?? 0, margin: null, orders: figures[currency]?.orders ?? 0 }, valueByCurrency: figures } as CustomerBody;
      const h = lifetimeValue(asThen, calibrationEnd, { horizonDays: holdoutDays });
      customers.push({
        summary,
        firstDay: days[0],
        repeatDays: days.slice(1).filter((d) => d <= dayOf(holdoutEnd)),
        actual: { purchases: holdoutPurchaseDays, revenue: holdout.reduce((s, p) => s + p.amount, 0) },
        others: { heuristic: { purchases: h.predictedPurchases, revenue: h.predictedRevenue } },
      });
    }
    const { r, alpha, a, b, p, q, gamma } = fitted.params;
    const report = backtest({ bgnbd: { r, alpha, a, b }, gg: { p, q, gamma } }, customers, { holdoutUnits: holdoutDays / unitDays, unitDays, holdoutEndDay: dayOf(holdoutEnd) });
    return { fit: { ...fitted, calibrationEnd }, report };
  }
}
