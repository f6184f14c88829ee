import type { DealStage, ForecastCategory } from './types';

export type OpenDeal = {
  type: 'OpenDeal';
  data: { dealId: string; customerId: string; title: string; amount: number; currency: string; stage: DealStage; expectedCloseDate: string; owner: string; occurredAt: string };
};
export type ChangeDealStage = { type: 'ChangeDealStage'; data: { dealId: string; stage: DealStage; occurredAt: string } };
export type ChangeDealAmount = { type: 'ChangeDealAmount'; data: { dealId: string; amount: number; currency?: string; occurredAt: string } };
export type ChangeDealCloseDate = { type: 'ChangeDealCloseDate'; data: { dealId: string; expectedCloseDate: string; occurredAt: string } };
/** `setBy` is the caller; `mayActForOthers` (admin) lets someone other than the deal's owner set it. */
export type SetDealForecastCategory = {
  type: 'SetDealForecastCategory';
  data: { dealId: string; category: ForecastCategory; setBy: string; mayActForOthers: boolean; occurredAt: string };
};
export type WinDeal = { type: 'WinDeal'; data: { dealId: string; amount?: number; occurredAt: string } };
export type LoseDeal = { type: 'LoseDeal'; data: { dealId: string; reason: string; competitor?: string; occurredAt: string } };

export type DealCommand = OpenDeal | ChangeDealStage | ChangeDealAmount | ChangeDealCloseDate | SetDealForecastCategory | WinDeal | LoseDeal;

/** Every deal command's type: commands travel untyped between processes, so this tells a deal's from a customer's. */
export const DEAL_COMMAND_TYPES: ReadonlySet<string> = new Set<DealCommand['type']>(['OpenDeal', 'ChangeDealStage', 'ChangeDealAmount', 'ChangeDealCloseDate', 'SetDealForecastCategory', 'WinDeal', 'LoseDeal']);
