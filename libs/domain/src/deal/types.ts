/** Open pipeline stages, in their usual order; won and lost are terminal outcomes, not stages. */
export const DEAL_STAGES = ['lead', 'qualified', 'proposal', 'negotiation'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];
