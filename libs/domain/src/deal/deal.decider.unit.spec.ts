import {
  DomainError,
  assertCustomerMayOpenDeal,
  customerDecider,
  dealDecider,
  dealStreamId,
  fold,
  type ChangeDealAmount,
  type ChangeDealCloseDate,
  type ChangeDealStage,
  type CustomerRegistered,
  type DealAmountChanged,
  type DealCloseDateChanged,
  type DealCommand,
  type DealForecastCategoryChanged,
  type DealLost,
  type DealOpened,
  type DealStage,
  type DealStageChanged,
  type DealWon,
  type DomainErrorKind,
  type LoseDeal,
  type ForecastCategory,
  type OpenDeal,
  type SetDealForecastCategory,
  type WinDeal,
} from '@touchpoint/domain';
// The decider helper alone: the package index also loads the store contracts (and their drivers).
import { DeciderSpecification } from '@touchpoint/testing/decider-specification';

// ─── fixed ids and times ────────────────────────────────────────────────────
const DEAL_ID = '00000000-0000-4000-8000-0000000000d1';
const CUSTOMER_ID = '00000000-0000-4000-8000-000000000001';
const OPENED_AT = '2026-01-15T09:00:00.000Z';
const AT = '2026-02-02T11:00:00.000Z';

const spec = DeciderSpecification.for(dealDecider);

/** Checks a thrown DomainError's kind, code and (when given) field. */
const domainError =
  (kind: DomainErrorKind, code: string, field?: string) =>
  (error: unknown): void => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind, code, ...(field !== undefined && { field }) });
  };

// ─── events: an EUR 10,000.00 deal (1,000,000 minor units) ──────────────────
const dealOpened = (data: Partial<DealOpened['data']> = {}): DealOpened => ({
  type: 'DealOpened',
  data: {
    dealId: DEAL_ID,
    customerId: CUSTOMER_ID,
    title: 'Fleet tracking rollout',
    amount: 1_000_000,
    currency: 'EUR',
    stage: 'lead',
    expectedCloseDate: '2026-03-31',
    owner: 'sales.anna',
    occurredAt: OPENED_AT,
    ...data,
  },
});
const stageChanged = (from: DealStage, to: DealStage): DealStageChanged => ({ type: 'DealStageChanged', data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, from, to, occurredAt: AT } });
const amountChanged = (amount: number, currency = 'EUR'): DealAmountChanged => ({
  type: 'DealAmountChanged',
  data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, amount, currency, occurredAt: AT },
});
const closeDateChanged = (expectedCloseDate: string): DealCloseDateChanged => ({
  type: 'DealCloseDateChanged',
  data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, expectedCloseDate, occurredAt: AT },
});
const categoryChanged = (from: ForecastCategory, to: ForecastCategory, owner = 'sales.anna'): DealForecastCategoryChanged => ({
  type: 'DealForecastCategoryChanged',
  data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, owner, from, to, occurredAt: AT },
});
const dealWon = (data: Partial<DealWon['data']> = {}): DealWon => ({
  type: 'DealWon',
  data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, stage: 'lead', amount: 1_000_000, currency: 'EUR', occurredAt: AT, ...data },
});
const dealLost = (data: Partial<DealLost['data']> = {}): DealLost => ({
  type: 'DealLost',
  data: { dealId: DEAL_ID, customerId: CUSTOMER_ID, stage: 'lead', amount: 1_000_000, currency: 'EUR', reason: 'Budget cut', occurredAt: AT, ...data },
});

// ─── commands ───────────────────────────────────────────────────────────────
const openDeal = (data: Partial<OpenDeal['data']> = {}): OpenDeal => ({ type: 'OpenDeal', data: { ...dealOpened().data, ...data } });
const changeStage = (stage: DealStage): ChangeDealStage => ({ type: 'ChangeDealStage', data: { dealId: DEAL_ID, stage, occurredAt: AT } });
const changeAmount = (amount: number, currency?: string): ChangeDealAmount => ({
  type: 'ChangeDealAmount',
  data: { dealId: DEAL_ID, amount, ...(currency !== undefined && { currency }), occurredAt: AT },
});
const changeCloseDate = (expectedCloseDate: string): ChangeDealCloseDate => ({ type: 'ChangeDealCloseDate', data: { dealId: DEAL_ID, expectedCloseDate, occurredAt: AT } });
const setCategory = (category: ForecastCategory, data: Partial<Omit<SetDealForecastCategory['data'], 'category'>> = {}): SetDealForecastCategory => ({
  type: 'SetDealForecastCategory',
  data: { dealId: DEAL_ID, category, setBy: 'sales.anna', mayActForOthers: false, occurredAt: AT, ...data },
});
const winDeal = (amount?: number): WinDeal => ({ type: 'WinDeal', data: { dealId: DEAL_ID, ...(amount !== undefined && { amount }), occurredAt: AT } });
const loseDeal = (data: Partial<LoseDeal['data']> = {}): LoseDeal => ({ type: 'LoseDeal', data: { dealId: DEAL_ID, reason: 'Budget cut', occurredAt: AT, ...data } });

/** Every command that works on an existing, open deal. */
const commandsOnADeal: DealCommand[] = [changeStage('proposal'), changeAmount(900_000), changeCloseDate('2026-04-30'), setCategory('commit'), winDeal(), loseDeal()];

describe('deal decider', () => {
  describe('OpenDeal', () => {
    it('opens a deal', () => {
      spec.given([]).when(openDeal()).then([dealOpened()]);
    });

    it('opens a deal at any stage, for zero, in another currency', () => {
      spec
        .given([])
        .when(openDeal({ stage: 'negotiation', amount: 0, currency: 'UAH' }))
        .then([dealOpened({ stage: 'negotiation', amount: 0, currency: 'UAH' })]);
    });

    it.each([
      ['open', [dealOpened()]],
      ['won', [dealOpened(), dealWon()]],
      ['lost', [dealOpened(), dealLost()]],
    ] as const)('refuses a deal id that exists (%s)', (_status, history) => {
      spec.given([...history]).when(openDeal()).thenThrows(domainError('conflict', 'deal_exists', 'dealId'));
    });

    it.each(['eur', 'XXQ', 'EURO'])('refuses the currency %p', (currency) => {
      spec.given([]).when(openDeal({ currency })).thenThrows(domainError('rule_violated', 'unknown_currency', 'currency'));
    });

    it.each([-1, 10.5, Number.MAX_SAFE_INTEGER + 1])('refuses an amount of %p', (amount) => {
      spec.given([]).when(openDeal({ amount })).thenThrows(domainError('rule_violated', 'invalid_amount', 'amount'));
    });

    it.each(['2026-02-30', '2026-13-01', '2026-3-31', '31.03.2026', '2026-03-31T00:00:00Z'])('refuses the close date %p', (expectedCloseDate) => {
      spec.given([]).when(openDeal({ expectedCloseDate })).thenThrows(domainError('rule_violated', 'invalid_date', 'expectedCloseDate'));
    });
  });

  describe('a deal is opened only for a customer that exists (checked by the handler)', () => {
    const registered: CustomerRegistered = {
      type: 'CustomerRegistered',
      data: { customerId: CUSTOMER_ID, kind: 'company', name: 'Dnipro Logistics LLC', tags: [], occurredAt: OPENED_AT },
    };

    it('refuses an unknown customer with not_found', () => {
      const unknown = customerDecider.initialState();
      let thrown: unknown;
      try {
        assertCustomerMayOpenDeal(unknown, CUSTOMER_ID);
      } catch (error) {
        thrown = error;
      }
      domainError('not_found', 'customer_not_found', 'customerId')(thrown);
    });

    it('accepts a registered customer', () => {
      const customer = fold(customerDecider, customerDecider.initialState(), [registered]);
      expect(() => assertCustomerMayOpenDeal(customer, CUSTOMER_ID)).not.toThrow();
    });
  });

  describe('every command but OpenDeal needs an existing deal', () => {
    it.each(commandsOnADeal.map((c) => [c.type, c] as const))('%s on an unknown deal is not_found', (_type, command) => {
      spec.given([]).when(command).thenThrows(domainError('not_found', 'deal_not_found', 'dealId'));
    });
  });

  describe('won and lost are terminal', () => {
    const cases = (['won', 'lost'] as const).flatMap((status) => commandsOnADeal.map((command) => [status, command.type, command] as const));

    it.each(cases)('a %s deal refuses %s', (status, _type, command) => {
      const history = [dealOpened(), status === 'won' ? dealWon() : dealLost()];
      spec
        .given(history)
        .when(command)
        .thenThrows((error) => {
          domainError('conflict', 'deal_closed', 'dealId')(error);
          expect((error as Error).message).toContain(`already ${status}`);
        });
    });
  });

  describe('ChangeDealStage', () => {
    it('moves the deal forward, recording both stages', () => {
      spec.given([dealOpened()]).when(changeStage('qualified')).then([stageChanged('lead', 'qualified')]);
    });

    it('may skip stages', () => {
      spec.given([dealOpened()]).when(changeStage('negotiation')).then([stageChanged('lead', 'negotiation')]);
    });

    it('may move back (negotiation → qualified)', () => {
      spec
        .given([dealOpened(), stageChanged('lead', 'proposal'), stageChanged('proposal', 'negotiation')])
        .when(changeStage('qualified'))
        .then([stageChanged('negotiation', 'qualified')]);
    });

    it('does nothing when the deal is already at that stage', () => {
      spec.given([dealOpened(), stageChanged('lead', 'proposal')]).when(changeStage('proposal')).thenNothingHappens();
    });
  });

  describe('ChangeDealAmount', () => {
    it('changes the amount, keeping the currency when none is given', () => {
      spec.given([dealOpened()]).when(changeAmount(1_250_000)).then([amountChanged(1_250_000, 'EUR')]);
    });

    it('changes amount and currency together', () => {
      spec.given([dealOpened()]).when(changeAmount(45_000_000, 'UAH')).then([amountChanged(45_000_000, 'UAH')]);
    });

    it('records a change of currency alone', () => {
      spec.given([dealOpened()]).when(changeAmount(1_000_000, 'USD')).then([amountChanged(1_000_000, 'USD')]);
    });

    it('does nothing when amount and currency are unchanged', () => {
      spec.given([dealOpened()]).when(changeAmount(1_000_000)).thenNothingHappens();
      spec.given([dealOpened()]).when(changeAmount(1_000_000, 'EUR')).thenNothingHappens();
      spec.given([dealOpened(), amountChanged(500, 'UAH')]).when(changeAmount(500)).thenNothingHappens();
    });

    it.each(['eur', 'XXQ'])('refuses the currency %p', (currency) => {
      spec.given([dealOpened()]).when(changeAmount(1_000_000, currency)).thenThrows(domainError('rule_violated', 'unknown_currency', 'currency'));
    });

    it.each([-100, 99.5])('refuses an amount of %p', (amount) => {
      spec.given([dealOpened()]).when(changeAmount(amount)).thenThrows(domainError('rule_violated', 'invalid_amount', 'amount'));
    });
  });

  describe('ChangeDealCloseDate', () => {
    it('moves the expected close date', () => {
      spec.given([dealOpened()]).when(changeCloseDate('2026-04-30')).then([closeDateChanged('2026-04-30')]);
    });

    it('accepts 29 February in a leap year', () => {
      spec.given([dealOpened()]).when(changeCloseDate('2028-02-29')).then([closeDateChanged('2028-02-29')]);
    });

    it('does nothing when the date is unchanged', () => {
      spec.given([dealOpened()]).when(changeCloseDate('2026-03-31')).thenNothingHappens();
      spec.given([dealOpened(), closeDateChanged('2026-04-30')]).when(changeCloseDate('2026-04-30')).thenNothingHappens();
    });

    it('records a move back to an earlier date', () => {
      spec.given([dealOpened(), closeDateChanged('2026-04-30')]).when(changeCloseDate('2026-03-31')).then([closeDateChanged('2026-03-31')]);
    });

    it.each(['2026-02-30', '2026-02-29', '2026-04-31', 'next week'])('refuses the date %p', (expectedCloseDate) => {
      spec.given([dealOpened()]).when(changeCloseDate(expectedCloseDate)).thenThrows(domainError('rule_violated', 'invalid_date', 'expectedCloseDate'));
    });
  });

  describe('SetDealForecastCategory', () => {
    it("lets the deal's owner commit it, recording owner and both categories", () => {
      spec.given([dealOpened()]).when(setCategory('commit')).then([categoryChanged('pipeline', 'commit')]);
    });

    it('moves from the category set last', () => {
      spec.given([dealOpened(), categoryChanged('pipeline', 'best_case')]).when(setCategory('omitted')).then([categoryChanged('best_case', 'omitted')]);
    });

    it('may move back to pipeline', () => {
      spec.given([dealOpened(), categoryChanged('pipeline', 'commit')]).when(setCategory('pipeline')).then([categoryChanged('commit', 'pipeline')]);
    });

    it("refuses anyone else than the deal's owner with forbidden", () => {
      spec
        .given([dealOpened()])
        .when(setCategory('commit', { setBy: 'sales.boris' }))
        .thenThrows((error) => {
          domainError('forbidden', 'not_deal_owner', 'dealId')(error);
          expect((error as Error).message).toContain('sales.anna');
        });
    });

    it('refuses another actor even when the category would not change', () => {
      spec.given([dealOpened()]).when(setCategory('pipeline', { setBy: 'sales.boris' })).thenThrows(domainError('forbidden', 'not_deal_owner', 'dealId'));
    });

    it('lets an admin (mayActForOthers) set it on a deal they do not own; the event names the deal\'s owner', () => {
      spec
        .given([dealOpened()])
        .when(setCategory('best_case', { setBy: 'admin.olena', mayActForOthers: true }))
        .then([categoryChanged('pipeline', 'best_case', 'sales.anna')]);
    });

    it('does nothing when the category is unchanged (a new deal is in pipeline)', () => {
      spec.given([dealOpened()]).when(setCategory('pipeline')).thenNothingHappens();
      spec.given([dealOpened(), categoryChanged('pipeline', 'commit')]).when(setCategory('commit')).thenNothingHappens();
    });

    it.each([
      ['won', dealWon()],
      ['lost', dealLost()],
    ] as const)('refuses a %s deal with conflict, even for its owner', (_status, closing) => {
      spec.given([dealOpened(), closing]).when(setCategory('commit')).thenThrows(domainError('conflict', 'deal_closed', 'dealId'));
    });

    it('refuses an unknown deal with not_found, even for an admin', () => {
      spec.given([]).when(setCategory('commit', { setBy: 'admin.olena', mayActForOthers: true })).thenThrows(domainError('not_found', 'deal_not_found', 'dealId'));
    });
  });

  describe('WinDeal', () => {
    it('wins at the last quoted amount, recording stage and currency', () => {
      spec.given([dealOpened(), stageChanged('lead', 'negotiation')]).when(winDeal()).then([dealWon({ stage: 'negotiation' })]);
    });

    it('wins at the latest amount and currency after a change', () => {
      spec.given([dealOpened(), amountChanged(40_000_000, 'UAH')]).when(winDeal()).then([dealWon({ amount: 40_000_000, currency: 'UAH' })]);
    });

    it('wins at a final amount different from the quote', () => {
      spec.given([dealOpened()]).when(winDeal(950_000)).then([dealWon({ amount: 950_000 })]);
    });

    it.each([-1, 0.5])('refuses a final amount of %p', (amount) => {
      spec.given([dealOpened()]).when(winDeal(amount)).thenThrows(domainError('rule_violated', 'invalid_amount', 'amount'));
    });
  });

  describe('LoseDeal', () => {
    it('loses the deal, recording stage, amount, currency and reason', () => {
      spec.given([dealOpened(), stageChanged('lead', 'proposal'), amountChanged(800_000)]).when(loseDeal()).then([dealLost({ stage: 'proposal', amount: 800_000 })]);
    });

    it('keeps the competitor when given', () => {
      spec.given([dealOpened()]).when(loseDeal({ reason: 'Price', competitor: 'Rival Corp' })).then([dealLost({ reason: 'Price', competitor: 'Rival Corp' })]);
    });
  });

  it('keeps each deal in its own stream, deal-<id>', () => {
    expect(dealStreamId(DEAL_ID)).toBe(`deal-${DEAL_ID}`);
  });

  describe('evolve', () => {
    it('tracks status, stage, amount, currency and close date', () => {
      const state = fold(dealDecider, dealDecider.initialState(), [
        dealOpened(),
        stageChanged('lead', 'proposal'),
        amountChanged(700_000, 'USD'),
        closeDateChanged('2026-05-15'),
        dealWon({ stage: 'proposal', amount: 650_000, currency: 'USD' }),
      ]);
      expect(state).toEqual({ status: 'won', customerId: CUSTOMER_ID, stage: 'proposal', amount: 650_000, currency: 'USD', expectedCloseDate: '2026-05-15', owner: 'sales.anna', forecastCategory: 'pipeline' });
    });

    it('tracks the forecast category from its last change', () => {
      const state = fold(dealDecider, dealDecider.initialState(), [dealOpened(), categoryChanged('pipeline', 'commit'), categoryChanged('commit', 'best_case')]);
      expect(state).toMatchObject({ status: 'open', owner: 'sales.anna', forecastCategory: 'best_case' });
    });

    it('marks a lost deal lost', () => {
      expect(fold(dealDecider, dealDecider.initialState(), [dealOpened(), dealLost()]).status).toBe('lost');
    });
  });
});
