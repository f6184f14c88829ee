import type { DealStage, ForecastCategory } from './types';

/** Deal stream events (stream `deal-<id>`); each carries customerId so the customer's history can include it. */
export type DealOpened = {
  type: 'DealOpened';
  data: { dealId: string; customerId: string; title: string; amount: number; currency: string; stage: DealStage; expectedCloseDate: string; owner: string; occurredAt: string };
};
export type DealStageChanged = { type: 'DealStageChanged'; data: { dealId: string; customerId: string; from: DealStage; to: DealStage; occurredAt: string } };
export type DealAmountChanged = { type: 'DealAmountChanged'; data: { dealId: string; customerId: string; amount: number; currency: string; occurredAt: string } };
export type DealCloseDateChanged = { type: 'DealCloseDateChanged'; data: { dealId: string; customerId: string; expectedCloseDate: string; occurredAt: string } };
export type DealWon = { type: 'DealWon'; data: { dealId: string; customerId: string; stage: DealStage; amount: number; currency: string; occurredAt: string } };
export type DealLost = {
  type: 'DealLost';
  data: { dealId: string; customerId: string; stage: DealStage; amount: number; currency: string; reason: string; competitor?: string; occurredAt: string };
};

/** The owner's forecast category for the deal changed (`owner` as the deal was opened: who may set it). */
export type DealForecastCategoryChanged = {
  type: 'DealForecastCategoryChanged';
  data: { dealId: string; customerId: string; owner: string; from: ForecastCategory; to: ForecastCategory; occurredAt: string };
};

export type DealEvent = DealOpened | DealStageChanged | DealAmountChanged | DealCloseDateChanged | DealForecastCategoryChanged | DealWon | DealLost;
