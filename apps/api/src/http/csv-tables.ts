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
