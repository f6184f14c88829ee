import type { Decider } from '../shared/decider';
import { conflict, forbidden, notFound } from '../shared/errors';
import { assertCurrency, assertMinorUnits } from '../shared/money';
import { assertCalendarDate } from '../shared/time';
import type { CustomerState } from '../customer/decider';
import type { DealCommand } from './commands';
import type { DealEvent } from './events';
import type { DealStage, ForecastCategory } from './types';

export interface DealState {
  status: 'unknown' | 'open' | 'won' | 'lost';
  customerId?: string;
  stage?: DealStage;
  amount?: number;
  currency?: string;
  expectedCloseDate?: string;
  owner?: string;
  /** the owner's call; `pipeline` until set */
  forecastCategory?: ForecastCategory;
}

export const initialDealState = (): DealState => ({ status: 'unknown' });

/** A deal is opened for a customer that exists; the handler loads that customer's state and asks here. */
export function assertCustomerMayOpenDeal(customer: CustomerState, customerId: string): void {
  if (customer.status !== 'active') throw notFound('customer_not_found', `customer ${customerId} does not exist`, 'customerId');
  if (customer.mergedInto) {
    throw conflict('customer_merged', `customer ${customerId} was merged into ${customer.mergedInto.survivorId}; open the deal for ${customer.mergedInto.survivorId}`, 'customerId');
  }
}

function requireOpen(state: DealState, dealId: string): Required<Pick<DealState, 'customerId' | 'stage' | 'amount' | 'currency'>> {
  if (state.status === 'unknown') throw notFound('deal_not_found', `deal ${dealId} does not exist`, 'dealId');
  if (state.status !== 'open') throw conflict('deal_closed', `deal ${dealId} is already ${state.status}`, 'dealId');
  return state as Required<DealState>;
}

export function decideDeal(command: DealCommand, state: DealState): DealEvent[] {
  const { type, data } = command;
  switch (type) {
    case 'OpenDeal': {
      if (state.status !== 'unknown') throw conflict('deal_exists', `deal ${data.dealId} already exists`, 'dealId');
      assertCurrency(data.currency);
      assertMinorUnits(data.amount, 'amount');
      assertCalendarDate(data.expectedCloseDate, 'expectedCloseDate');
      return [{ type: 'DealOpened', data }];
    }
    case 'ChangeDealStage': {
      const deal = requireOpen(state, data.dealId);
      if (deal.stage === data.stage) return [];
      return [{ type: 'DealStageChanged', data: { dealId: data.dealId, customerId: deal.customerId, from: deal.stage, to: data.stage, occurredAt: data.occurredAt } }];
    }
    case 'ChangeDealAmount': {
      const deal = requireOpen(state, data.dealId);
      const currency = data.currency ?? deal.currency;
      assertCurrency(currency);
      assertMinorUnits(data.amount, 'amount');
      if (deal.amount === data.amount && deal.currency === currency) return [];
      return [{ type: 'DealAmountChanged', data: { dealId: data.dealId, customerId: deal.customerId, amount: data.amount, currency, occurredAt: data.occurredAt } }];
    }
    case 'ChangeDealCloseDate': {
      const deal = requireOpen(state, data.dealId);
      assertCalendarDate(data.expectedCloseDate, 'expectedCloseDate');
      if (state.expectedCloseDate === data.expectedCloseDate) return [];
      return [{ type: 'DealCloseDateChanged', data: { dealId: data.dealId, customerId: deal.customerId, expectedCloseDate: data.expectedCloseDate, occurredAt: data.occurredAt } }];
    }
    case 'SetDealForecastCategory': {
      const deal = requireOpen(state, data.dealId);
      const owner = state.owner ?? '';
      if (owner !== data.setBy && !data.mayActForOthers) throw forbidden('not_deal_owner', `only the deal's owner (${owner}) sets its forecast category`, 'dealId');
      const from = state.forecastCategory ?? 'pipeline';
      if (from === data.category) return [];
      return [{ type: 'DealForecastCategoryChanged', data: { dealId: data.dealId, customerId: deal.customerId, owner, from, to: data.category, occurredAt: data.occurredAt } }];
    }
    case 'WinDeal': {
      const deal = requireOpen(state, data.dealId);
      const amount = data.amount ?? deal.amount;
      assertMinorUnits(amount, 'amount');
      return [{ type: 'DealWon', data: { dealId: data.dealId, customerId: deal.customerId, stage: deal.stage, amount, currency: deal.currency, occurredAt: data.occurredAt } }];
    }
    case 'LoseDeal': {
      const deal = requireOpen(state, data.dealId);
      return [
        {
          type: 'DealLost',
          data: {
            dealId: data.dealId,
            customerId: deal.customerId,
            stage: deal.stage,
            amount: deal.amount,
            currency: deal.currency,
            reason: data.reason,
            ...(data.competitor !== undefined && { competitor: data.competitor }),
            occurredAt: data.occurredAt,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = type;
      throw new Error(`unknown command ${String(_exhaustive)}`);
    }
  }
}

/** evolveDeal reads no personal field (a deal's title is not state), so a load may leave them all sealed. */
export const DEAL_STATE_PERSONAL_DATA: ReadonlySet<DealEvent['type']> = new Set();

export function evolveDeal(state: DealState, event: DealEvent): DealState {
  const { type, data } = event;
  switch (type) {
    case 'DealOpened':
      return { status: 'open', customerId: data.customerId, stage: data.stage, amount: data.amount, currency: data.currency, expectedCloseDate: data.expectedCloseDate, owner: data.owner, forecastCategory: 'pipeline' };
    case 'DealStageChanged':
      return { ...state, stage: data.to };
    case 'DealAmountChanged':
      return { ...state, amount: data.amount, currency: data.currency };
    case 'DealCloseDateChanged':
      return { ...state, expectedCloseDate: data.expectedCloseDate };
    case 'DealForecastCategoryChanged':
      return { ...state, forecastCategory: data.to };
    case 'DealWon':
      return { ...state, status: 'won', amount: data.amount };
    case 'DealLost':
      return { ...state, status: 'lost' };
    default: {
      const _exhaustive: never = type;
      return state;
    }
  }
}

export const dealDecider: Decider<DealCommand, DealState, DealEvent> = { decide: decideDeal, evolve: evolveDeal, initialState: initialDealState };

export const dealStreamId = (dealId: string) => `deal-${dealId}`;
