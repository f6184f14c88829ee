import { describeError, redact } from './redact';

describe('redact', () => {
  it.each([
    ['Authorization: Bearer tp_abcDEF123_-xyz', 'Authorization: Bearer [redacted]'],
    ['key tp_p9aMP_nAPrDrJg9NLrgupcUk3vpSXfl_X7lU3olX3uE refused', 'key [redacted-key] refused'],
    ['token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl expired', 'token [redacted-jwt] expired'],
    ['connect postgres://tp:s3cret@db:5432/tp failed', 'connect postgres://[redacted]@db:5432/tp failed'],
    ['Key (email)=(ann.lee@example.com) already exists', 'Key (email)=([redacted-email]) already exists'],
    ['phone +380 44 123-45-67 invalid', 'phone [redacted-phone] invalid'],
    ['call (044) 123 45 67 back', 'call [redacted-phone] back'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('keeps ordinary diagnostics', () => {
    const text = 'connect ECONNREFUSED 127.0.0.1:19092 at 2026-03-02T10:00:00.000Z after 3 retries (revision 12, position 1234567890)';
    expect(redact(text)).toBe(text);
  });
});

describe('describeError', () => {
  it('gives name, code, redacted message and stack frames only', () => {
    const error = Object.assign(new TypeError('duplicate key value ann.lee@example.com'), { code: '23505' });
    const described = describeError(error);
    expect(described).toEqual({ name: 'TypeError', code: '23505', message: 'duplicate key value [redacted-email]', stack: expect.any(Array) });
    expect(described.stack!.length).toBeGreaterThan(0);
    expect(described.stack!.every((frame) => frame.startsWith('at '))).toBe(true);
    expect(JSON.stringify(described)).not.toContain('ann.lee');
  });

  it('describes a thrown non-error by its type', () => {
    expect(describeError('Bearer tp_secret')).toEqual({ name: 'string', message: 'Bearer [redacted]' });
  });
});
