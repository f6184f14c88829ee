/** Open pipeline stages, in their usual order; won and lost are terminal outcomes, not stages. */
export const DEAL_STAGES = ['lead', 'qualified', 'proposal', 'negotiation'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];

/**
 * The owner's call on an open deal (Salesforce's forecast categories): `commit` will close in its period, `best_case`
 * might, `pipeline` is not yet judged (every deal starts there), `omitted` is left out. `closed` is not set: it follows
 * from won or lost.
 */
export const FORECAST_CATEGORIES = ['pipeline', 'best_case', 'commit', 'omitted'] as const;
export type ForecastCategory = (typeof FORECAST_CATEGORIES)[number];
