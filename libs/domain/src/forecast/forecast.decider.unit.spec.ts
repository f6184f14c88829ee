import { DomainError, forecastDecider, forecastStreamId, type DomainErrorKind, type ForecastSubmitted, type SubmitForecast } from '@touchpoint/domain';
// The decider helper alone: the package index also loads the store contracts (and their drivers).
import { DeciderSpecification } from '@touchpoint/testing/decider-specification';

// ─── fixed ids and times ────────────────────────────────────────────────────
const SUBMISSION_ID = '00000000-0000-4000-8000-0000000000f1';
const AT = '2026-06-28T16:00:00.000Z';

const spec = DeciderSpecification.for(forecastDecider);

/** Checks a thrown DomainError's kind, code and (when given) field. */
const domainError =
  (kind: DomainErrorKind, code: string, field?: string) =>
  (error: unknown): void => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind, code, ...(field !== undefined && { field }) });
  };

type Amounts = ForecastSubmitted['data']['amounts'];

// ─── event and command: anna's July call, EUR 50,000 closed, 80,000 commit, 120,000 best case ──
const submitted = (data: Partial<ForecastSubmitted['data']> = {}): ForecastSubmitted => ({
  type: 'ForecastSubmitted',
  data: {
    submissionId: SUBMISSION_ID,
    scope: 'owner',
    name: 'sales.anna',
    period: '2026-07',
    currency: 'EUR',
    amounts: { closed: 5_000_000, commit: 8_000_000, bestCase: 12_000_000, pipeline: 20_000_000 },
    occurredAt: AT,
    ...data,
  },
});

const submit = (data: Partial<SubmitForecast['data']> = {}): SubmitForecast => ({
  type: 'SubmitForecast',
  data: { ...submitted().data, submittedBy: 'sales.anna', mayActForOthers: false, ...data },
});
const withAmounts = (amounts: Partial<Amounts>, rest: Partial<SubmitForecast['data']> = {}) => submit({ ...rest, amounts: { ...submitted().data.amounts, ...amounts } });

describe('forecast decider', () => {
  describe('SubmitForecast: who may submit', () => {
    it("records an owner's own submission, without the caller's identity or role", () => {
      spec.given([]).when(submit()).then([submitted()]);
    });

    it('keeps the comment when given', () => {
      spec
        .given([])
        .when(submit({ comment: 'Two renewals slip to August' }))
        .then([submitted({ comment: 'Two renewals slip to August' })]);
    });

    it("refuses an owner's submission in someone else's name with forbidden", () => {
      spec
        .given([])
        .when(submit({ submittedBy: 'sales.boris' }))
        .thenThrows((error) => {
          domainError('forbidden', 'not_own_forecast', 'name')(error);
          expect((error as Error).message).toContain('sales.anna');
        });
    });

    it('refuses a team submission from someone who may not act for others, even one in the team', () => {
      spec
        .given([])
        .when(submit({ scope: 'team', name: 'sales.anna', submittedBy: 'sales.anna' }))
        .thenThrows((error) => {
          domainError('forbidden', 'not_own_forecast', 'name')(error);
          expect((error as Error).message).toContain('manager');
        });
    });

    it('lets an admin submit for a team', () => {
      spec
        .given([])
        .when(submit({ scope: 'team', name: 'emea', submittedBy: 'admin.olena', mayActForOthers: true }))
        .then([submitted({ scope: 'team', name: 'emea' })]);
    });

    it('lets an admin submit for an owner', () => {
      spec.given([]).when(submit({ submittedBy: 'admin.olena', mayActForOthers: true })).then([submitted()]);
    });
  });

  describe('SubmitForecast: period and currency', () => {
    it.each(['2026-01', '2026-12', '2026-Q1', '2026-Q3', '2026-Q4'])('accepts the period %p', (period) => {
      spec.given([]).when(submit({ period })).then([submitted({ period })]);
    });

    it.each(['2026-13', '2026-00', '2026-Q0', '2026-Q5', '2026-7', '26-07', '2026-07-01', '2026-q3', ''])('refuses the period %p', (period) => {
      spec.given([]).when(submit({ period })).thenThrows(domainError('rule_violated', 'invalid_period', 'period'));
    });

    it.each(['eur', 'XXQ'])('refuses the currency %p', (currency) => {
      spec.given([]).when(submit({ currency })).thenThrows(domainError('rule_violated', 'unknown_currency', 'currency'));
    });
  });

  describe('SubmitForecast: amounts', () => {
    it('accepts zero everywhere and leaves out the optional amounts', () => {
      const amounts = { commit: 0, bestCase: 0 };
      spec.given([]).when(submit({ amounts })).then([submitted({ amounts })]);
    });

    it('accepts closed = commit = best case', () => {
      const amounts = { closed: 7_000_000, commit: 7_000_000, bestCase: 7_000_000 };
      spec.given([]).when(submit({ amounts })).then([submitted({ amounts })]);
    });

    it('accepts a pipeline smaller than the commit (it is the open remainder, not a roll-up)', () => {
      spec
        .given([])
        .when(withAmounts({ pipeline: 1 }))
        .then([submitted({ amounts: { ...submitted().data.amounts, pipeline: 1 } })]);
    });

    it.each(['closed', 'commit', 'bestCase', 'pipeline'] as const)('refuses a fractional amounts.%s', (field) => {
      spec
        .given([])
        .when(withAmounts({ [field]: 100.5 }))
        .thenThrows(domainError('rule_violated', 'invalid_amount', `amounts.${field}`));
    });

    it.each(['closed', 'commit', 'bestCase', 'pipeline'] as const)('refuses an unsafe integer in amounts.%s', (field) => {
      spec
        .given([])
        .when(withAmounts({ [field]: Number.MAX_SAFE_INTEGER + 1 }))
        .thenThrows(domainError('rule_violated', 'invalid_amount', `amounts.${field}`));
    });

    // The decider has a `negative_amount` check, but assertMinorUnits runs first and refuses a negative as
    // `invalid_amount`, so `negative_amount` is never raised today (reported). Kind and field are what the caller sees.
    it.each(['closed', 'commit', 'bestCase', 'pipeline'] as const)('refuses a negative amounts.%s', (field) => {
      spec
        .given([])
        .when(withAmounts({ [field]: -1 }))
        .thenThrows(domainError('rule_violated', 'invalid_amount', `amounts.${field}`));
    });

    it('refuses a commit smaller than what is closed', () => {
      spec
        .given([])
        .when(withAmounts({ closed: 8_000_001, commit: 8_000_000 }))
        .thenThrows(domainError('rule_violated', 'commit_below_closed', 'amounts.commit'));
    });

    it('does not compare commit with closed when closed is left out', () => {
      const amounts = { commit: 1, bestCase: 1 };
      spec.given([]).when(submit({ amounts })).then([submitted({ amounts })]);
    });

    it('refuses a best case smaller than the commit', () => {
      spec
        .given([])
        .when(withAmounts({ commit: 12_000_001, bestCase: 12_000_000 }))
        .thenThrows(domainError('rule_violated', 'best_case_below_commit', 'amounts.bestCase'));
    });

    it('checks commit against closed before best case against commit', () => {
      spec
        .given([])
        .when(submit({ amounts: { closed: 3, commit: 2, bestCase: 1 } }))
        .thenThrows(domainError('rule_violated', 'commit_below_closed', 'amounts.commit'));
    });
  });

  describe('SubmitForecast: one submission per stream', () => {
    it('refuses a second submission to the same stream with conflict', () => {
      spec.given([submitted()]).when(submit()).thenThrows(domainError('conflict', 'submission_exists', 'submissionId'));
    });

    it('refuses it whatever it carries, before any other rule', () => {
      spec
        .given([submitted()])
        .when(submit({ period: '2026-13', submittedBy: 'sales.boris' }))
        .thenThrows(domainError('conflict', 'submission_exists', 'submissionId'));
    });
  });

  it('checks who submits before what is submitted', () => {
    spec
      .given([])
      .when(submit({ period: '2026-13', submittedBy: 'sales.boris' }))
      .thenThrows(domainError('forbidden', 'not_own_forecast', 'name'));
  });

  it('keeps each submission in its own stream, forecast-<submissionId>', () => {
    expect(forecastStreamId(SUBMISSION_ID)).toBe(`forecast-${SUBMISSION_ID}`);
  });
});
