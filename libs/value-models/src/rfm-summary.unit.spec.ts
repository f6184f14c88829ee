import { holdoutPurchases, summarise, type Transaction } from './rfm-summary';

const tx = (customerId: string, at: string, amount: number): Transaction => ({ customerId, at, amount });

describe('summarise', () => {
  it('counts repeat purchase days, not transactions, and measures time in weeks from the first purchase day', () => {
    const [s] = summarise(
      [
        tx('c1', '2024-01-01T09:00:00Z', 1000),
        tx('c1', '2024-01-01T17:30:00Z', 500), // same UTC day: one purchase of 15.00
        tx('c1', '2024-01-08T10:00:00Z', 2000),
        tx('c1', '2024-01-15T23:59:59.999Z', 1000),
        tx('c1', '2024-01-15T00:00:00Z', 3000),
      ],
      { cutoff: '2024-01-29T12:00:00Z' },
    );
    expect(s).toEqual({ customerId: 'c1', frequency: 2, recency: 2, T: 4, monetary: (2000 + 4000) / 2 });
  });

  it('works in UTC calendar days whatever the offset the instant is written with', () => {
    // 2024-01-01T23:30-02:00 is 2024-01-02T01:30Z: another UTC day than the first purchase
    const [s] = summarise([tx('c1', '2024-01-01T20:00:00Z', 100), tx('c1', '2024-01-01T23:30:00-02:00', 100)], { cutoff: '2024-01-08T00:00:00Z', unitDays: 1 });
    expect(s).toMatchObject({ frequency: 1, recency: 1, T: 7 });
  });

  it('includes the cutoff instant and ignores what comes after it', () => {
    const transactions = [tx('c1', '2024-01-01T00:00:00Z', 100), tx('c1', '2024-01-10T12:00:00Z', 300), tx('late', '2024-01-10T12:00:00.001Z', 100)];
    const summaries = summarise(transactions, { cutoff: '2024-01-10T12:00:00Z', unitDays: 1 });
    expect(summaries).toEqual([{ customerId: 'c1', frequency: 1, recency: 9, T: 9, monetary: 300 }]);
    expect(summarise(transactions, { cutoff: '2024-01-10T11:59:59.999Z', unitDays: 1 })).toEqual([{ customerId: 'c1', frequency: 0, recency: 0, T: 9, monetary: 0 }]);
  });

  it('gives a one-time customer frequency 0 and monetary 0, and one bought today T = 0', () => {
    expect(summarise([tx('c1', '2024-03-05T10:00:00Z', 999)], { cutoff: '2024-03-05T18:00:00Z' })).toEqual([{ customerId: 'c1', frequency: 0, recency: 0, T: 0, monetary: 0 }]);
  });

  it('refuses what it cannot read', () => {
    expect(() => summarise([tx('c1', 'yesterday', 1)], { cutoff: '2024-01-01T00:00:00Z' })).toThrow(RangeError);
    expect(() => summarise([tx('c1', '2023-12-01T00:00:00Z', NaN)], { cutoff: '2024-01-01T00:00:00Z' })).toThrow(RangeError);
    expect(() => summarise([], { cutoff: '2024-01-01T00:00:00Z', unitDays: 0 })).toThrow(RangeError);
  });
});

describe('holdoutPurchases', () => {
  const calibrationEnd = '2024-01-31T23:59:59.999Z';
  const holdoutEnd = '2024-03-31T23:59:59.999Z';

  it('counts repeat purchase days and their amounts in (calibrationEnd, holdoutEnd]', () => {
    const counts = holdoutPurchases(
      [
        tx('c1', '2024-01-03T10:00:00Z', 100),
        tx('c1', '2024-02-01T00:00:00Z', 200),
        tx('c1', '2024-02-01T13:00:00Z', 50), // same day
        tx('c1', '2024-03-31T23:59:59.999Z', 300),
        tx('c1', '2024-04-01T00:00:00Z', 999), // after the holdout
        tx('c2', '2024-01-20T10:00:00Z', 100), // nothing in the holdout
      ],
      { calibrationEnd, holdoutEnd },
    );
    expect(counts.get('c1')).toEqual({ purchases: 2, amount: 550 });
    expect(counts.get('c2')).toEqual({ purchases: 0, amount: 0 });
  });

  it("does not count a customer's first purchase day, nor a day already counted in the calibration period", () => {
    const counts = holdoutPurchases(
      [
        tx('new', '2024-02-10T10:00:00Z', 100), // first purchase ever, in the holdout: not a repeat
        tx('new', '2024-02-20T10:00:00Z', 70),
        tx('split', '2024-01-01T10:00:00Z', 100),
        tx('split', '2024-01-31T10:00:00Z', 100),
        tx('split', '2024-02-01T10:00:00Z', 100),
      ],
      { calibrationEnd: '2024-01-31T12:00:00Z', holdoutEnd },
    );
    expect(counts.get('new')).toEqual({ purchases: 1, amount: 70 });
    expect(counts.get('split')).toEqual({ purchases: 1, amount: 100 });

    // a cutoff in the middle of a day: that day's later transaction was already a calibration purchase day
    const midDay = holdoutPurchases([tx('c', '2024-01-01T10:00:00Z', 1), tx('c', '2024-01-31T10:00:00Z', 1), tx('c', '2024-01-31T15:00:00Z', 5)], {
      calibrationEnd: '2024-01-31T12:00:00Z',
      holdoutEnd,
    });
    expect(midDay.get('c')).toEqual({ purchases: 0, amount: 0 });
  });
});
