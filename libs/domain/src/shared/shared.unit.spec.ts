import {
  DomainError,
  assertCalendarDate,
  assertCurrency,
  assertMinorUnits,
  conflict,
  fold,
  isCurrency,
  multiplyAndSum,
  normaliseInstant,
  notFound,
  ruleViolated,
  type DomainErrorKind,
} from '@touchpoint/domain';

/** Runs `fn` and returns what it threw (fails the test when nothing was thrown). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, but nothing was thrown');
}

const expectDomainError = (error: unknown, kind: DomainErrorKind, code: string, field: string) => {
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ kind, code, field });
};

describe('errors', () => {
  it.each([
    ['notFound', 'not_found', notFound],
    ['conflict', 'conflict', conflict],
    ['ruleViolated', 'rule_violated', ruleViolated],
  ] as const)('%s() builds a DomainError of kind %s', (_name, kind, build) => {
    const error = build('some_code', 'Something is wrong', 'someField');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'DomainError', kind, code: 'some_code', message: 'Something is wrong', field: 'someField' });
  });

  it('leaves the field out when not given', () => {
    expect(conflict('x', 'y').field).toBeUndefined();
  });
});

describe('fold', () => {
  it('applies events in order, starting from the given state', () => {
    const evolve = (state: string[], event: string) => [...state, event];
    expect(fold({ evolve }, ['start'], ['a', 'b', 'c'])).toEqual(['start', 'a', 'b', 'c']);
  });

  it('returns the state unchanged for no events', () => {
    const state = { n: 1 };
    expect(fold({ evolve: () => ({ n: 2 }) }, state, [])).toBe(state);
  });
});

describe('money', () => {
  describe('currency', () => {
    it.each(['EUR', 'UAH', 'USD', 'GBP', 'JPY', 'CHF', 'PLN', 'BHD'])('%s is an ISO 4217 currency', (code) => {
      expect(isCurrency(code)).toBe(true);
      expect(() => assertCurrency(code)).not.toThrow();
    });

    it.each(['XXQ', 'eur', 'Eur', 'EURO', 'EU', '', ' EUR', '€'])('%p is not', (code) => {
      expect(isCurrency(code)).toBe(false);
      expectDomainError(thrownBy(() => assertCurrency(code)), 'rule_violated', 'unknown_currency', 'currency');
    });

    it('names the field it was given', () => {
      expectDomainError(
        thrownBy(() => assertCurrency('XXQ', 'budget.currency')),
        'rule_violated',
        'unknown_currency',
        'budget.currency',
      );
    });
  });

  describe('minor units', () => {
    it.each([0, 1, 1999, Number.MAX_SAFE_INTEGER])('accepts %p', (value) => {
      expect(() => assertMinorUnits(value, 'amount')).not.toThrow();
    });

    it.each([-1, 0.5, 19.99, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])('refuses %p', (value) => {
      expectDomainError(thrownBy(() => assertMinorUnits(value, 'lines[0].unitPrice')), 'rule_violated', 'invalid_amount', 'lines[0].unitPrice');
    });

    it('refuses zero when asked for a positive amount', () => {
      const error = thrownBy(() => assertMinorUnits(0, 'amount', { allowZero: false }));
      expectDomainError(error, 'rule_violated', 'invalid_amount', 'amount');
      expect((error as Error).message).toContain('positive');
      expect(() => assertMinorUnits(1, 'amount', { allowZero: false })).not.toThrow();
    });
  });

  describe('multiplyAndSum', () => {
    it('sums quantity × unit', () => {
      expect(
        multiplyAndSum(
          [
            { quantity: 2, unit: 1500 },
            { quantity: 1, unit: 4000 },
            { quantity: 3, unit: 0 },
          ],
          'lines',
        ),
      ).toBe(7000);
    });

    it('is 0 for no parts', () => {
      expect(multiplyAndSum([], 'lines')).toBe(0);
    });

    it('accepts a total of exactly the largest safe integer', () => {
      expect(multiplyAndSum([{ quantity: 1, unit: Number.MAX_SAFE_INTEGER }], 'lines')).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('refuses a single product beyond the largest safe integer', () => {
      expectDomainError(
        thrownBy(() => multiplyAndSum([{ quantity: 1_000_000, unit: 10_000_000_000 }], 'lines')),
        'rule_violated',
        'amount_overflow',
        'lines',
      );
    });

    it('refuses a sum beyond the largest safe integer even when each part fits', () => {
      const half = Math.ceil(Number.MAX_SAFE_INTEGER / 2);
      expectDomainError(
        thrownBy(() =>
          multiplyAndSum(
            [
              { quantity: 1, unit: half },
              { quantity: 1, unit: half },
            ],
            'lines',
          ),
        ),
        'rule_violated',
        'amount_overflow',
        'lines',
      );
    });
  });
});

describe('time', () => {
  describe('normaliseInstant', () => {
    it.each([
      ['2026-01-15T09:00:00Z', '2026-01-15T09:00:00.000Z'],
      ['2026-01-15T09:00:00.000Z', '2026-01-15T09:00:00.000Z'],
      ['2026-01-15T11:00:00+02:00', '2026-01-15T09:00:00.000Z'],
      ['2026-01-15T04:00:00-05:00', '2026-01-15T09:00:00.000Z'],
      ['2026-01-15T01:30:00+02:00', '2026-01-14T23:30:00.000Z'],
      ['2026-01-15T09:00:00.5Z', '2026-01-15T09:00:00.500Z'],
      ['2026-01-15T09:00:00.123456789Z', '2026-01-15T09:00:00.123Z'],
      ['2028-02-29T12:00:00+00:00', '2028-02-29T12:00:00.000Z'],
    ])('normalises %s to %s (UTC, Z, milliseconds)', (input, expected) => {
      expect(normaliseInstant(input, 'occurredAt')).toBe(expected);
    });

    it.each([
      ['no zone', '2026-01-15T09:00:00'],
      ['a date only', '2026-01-15'],
      ['no seconds', '2026-01-15T09:00Z'],
      ['a space instead of T', '2026-01-15 09:00:00Z'],
      ['a zone without colon', '2026-01-15T09:00:00+0200'],
      ['an impossible month', '2026-13-01T09:00:00Z'],
      ['an impossible day', '2026-02-30T09:00:00Z'],
      ['29 February outside a leap year', '2026-02-29T09:00:00Z'],
      ['an impossible minute', '2026-01-15T09:60:00Z'],
      ['an impossible offset', '2026-01-15T09:00:00+25:00'],
      ['garbage', 'yesterday'],
      ['an empty string', ''],
      ['epoch milliseconds', '1768467600000'],
    ])('rejects %s (%p)', (_what, input) => {
      expectDomainError(thrownBy(() => normaliseInstant(input, 'occurredAt')), 'rule_violated', 'invalid_instant', 'occurredAt');
    });
  });

  describe('assertCalendarDate', () => {
    it.each(['2026-01-15', '2026-02-28', '2028-02-29', '2026-12-31'])('accepts %s', (value) => {
      expect(() => assertCalendarDate(value, 'expectedCloseDate')).not.toThrow();
    });

    it.each(['2026-02-30', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-1-5', '15.01.2026', '2026-01-15T00:00:00Z', ''])('rejects %p', (value) => {
      expectDomainError(thrownBy(() => assertCalendarDate(value, 'expectedCloseDate')), 'rule_violated', 'invalid_date', 'expectedCloseDate');
    });
  });
});
