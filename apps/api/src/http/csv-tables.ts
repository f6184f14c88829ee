import type { CsvTable } from './csv';

/** The tables the list and analytics routes answer `Accept: text/csv` with: one row per item, money in minor units. */

type Row = Record<string, any>;

export const customersTable = (page: { items: Row[] }): CsvTable => ({
  columns: ['customer_id', 'kind', 'name', 'email', 'owner', 'external_id', 'tier', 'rfm_segment', 'rfm_code', 'currency', 'revenue_minor', 'margin_minor', 'orders', 'predicted_value_minor', 'predicted_by', 'open_complaints', 'last_activity_at', 'registered_at'],
  rows: page.items.map((c) => [
    c.customerId,
    c.kind,
    c.name,
    c.email,
    c.owner,
    c.externalId,
    c.segment?.tier,
    c.segment?.rfm?.segment,
    c.segment?.rfm?.code,
    c.value?.currency,
    c.value?.revenue,
    c.value?.margin,
    c.value?.orders,
    c.segment?.predictedValue,
    c.segment?.predictedBy,
    c.complaints?.open,
    c.lastActivityAt,
    c.registeredAt,
  ]),
});

export const historyTable = (page: { items: Row[] }): CsvTable => ({
  columns: ['position', 'event_id', 'type', 'category', 'occurred_at', 'recorded_at', 'actor', 'channel', 'summary'],
  rows: page.items.map((h) => [h.position, h.eventId, h.type, h.category, h.occurredAt, h.recordedAt, h.actor, h.channel, h.summary]),
});

/** The concentration curve of every currency, with the top-share rows' customers and margin share where they fall. */
export const valueDistributionTable = (d: { currencies: Record<string, { customers: number; curve: Array<{ percent: number; revenueShare: number }>; top: Row[] }> }): CsvTable => ({
  columns: ['currency', 'top_percent_of_customers', 'revenue_share', 'margin_share'],
  rows: Object.entries(d.currencies).flatMap(([currency, c]) =>
    c.curve.map((p) => [currency, p.percent, p.revenueShare, c.top.find((t) => t.percent === p.percent)?.marginShare ?? null]),
  ),
});

const METHODS = ['stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case', 'submitted'];

export const forecastTable = (f: { forecasts: { byPeriod: Row[] } }): CsvTable => ({
  columns: ['period', 'currency', 'open_deals', 'open_amount_minor', 'won_so_far_minor', ...METHODS.map((m) => `${m}_minor`), 'submissions'],
  rows: f.forecasts.byPeriod.map((r) => [r.period, r.currency, r.openDeals, r.openAmount, r.wonSoFar, ...METHODS.map((m) => r[m]), r.submissions]),
});

export const accuracyTable = (a: { summary: Row[] }): CsvTable => ({
  columns: ['currency', 'owner', 'lead_days', 'method', 'periods', 'mape', 'wape', 'mean_bias'],
  rows: a.summary.map((s) => [s.currency, s.owner, s.leadDays, s.method, s.periods, s.mape, s.wape, s.meanBias]),
});

export const backtestTrackingTable = (b: { tracking: Row[] }): CsvTable => ({
  columns: ['unit', 'day', 'actual_cumulative_repeat_purchases', 'expected_cumulative_repeat_purchases'],
  rows: b.tracking.map((t) => [t.unit, t.day, t.actual, t.expected]),
});

export const duplicatesTable = (page: { items: Row[] }): CsvTable => ({
  columns: ['customer_id_a', 'customer_id_b', 'score', 'reasons', 'found_by'],
  rows: page.items.map((p) => [p.customerIds[0], p.customerIds[1], p.score, p.reasons.join(' '), p.foundBy]),
});

/** The sales cycle: a row per stage, for the total (owner empty) and for each owner, with the owner's cycle figures. */
export const salesCycleTable = (c: { total: Row; owners: Row[] }): CsvTable => ({
  columns: ['owner', 'stage', 'exits', 'conversion', 'median_days_in_stage', 'opened', 'won', 'median_won_cycle_days', 'slipped_deals', 'slipped_share_of_opened'],
  rows: [c.total, ...c.owners].flatMap((cycle) =>
    cycle.stages.map((s: Row) => [cycle.owner ?? '', s.stage, s.exits, s.conversion, s.medianDaysInStage, cycle.opened, cycle.won, cycle.medianWonCycleDays, cycle.slipped?.deals, cycle.slipped?.shareOfOpened]),
  ),
});

/** The current lifetime-value fit of each currency: its parameters, fit and data. */
export const lifetimeValueModelTable = (m: { currencies: Record<string, Row> }): CsvTable => ({
  columns: ['currency', 'fit_id', 'model', 'r', 'alpha', 'a', 'b', 'p', 'q', 'gamma', 'unit_days', 'log_likelihood_bg_nbd', 'log_likelihood_gamma_gamma', 'customers', 'repeat_customers', 'cutoff_business_time', 'cutoff_position', 'fitted_at'],
  rows: Object.values(m.currencies).map((f) => [
    f.currency,
    f.fitId,
    f.model,
    f.params.r,
    f.params.alpha,
    f.params.a,
    f.params.b,
    f.params.p,
    f.params.q,
    f.params.gamma,
    f.unitDays,
    f.logLikelihood.bgNbd,
    f.logLikelihood.gammaGamma,
    f.customers,
    f.repeatCustomers,
    f.cutoff.businessTime,
    f.cutoff.position,
    f.occurredAt,
  ]),
});

export const importsTable = (page: { items: Row[] }): CsvTable => ({
  columns: ['import_id', 'source', 'format', 'input', 'status', 'reason', 'started_by', 'started_at', 'finished_at', 'duration_ms', 'lines_read', 'accepted', 'already_imported', 'rejected', 'events_appended', 'last_position'],
  rows: page.items.map((i) => [i.importId, i.source, i.format, i.input, i.status, i.reason, i.startedBy, i.startedAt, i.finishedAt, i.durationMs, i.linesRead, i.accepted, i.alreadyImported, i.rejected, i.eventsAppended, i.lastPosition]),
});

export const importErrorsTable = (page: { items: Row[] }): CsvTable => ({
  columns: ['line', 'source_id', 'field', 'code', 'rule', 'message'],
  rows: page.items.map((r) => [r.line, r.sourceId, r.field, r.code, r.rule, r.message]),
});
