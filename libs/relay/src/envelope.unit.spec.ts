import { clientIdempotencyKey } from './envelope';

describe('clientIdempotencyKey', () => {
  it('takes the client’s key out of the stored `<length>:<actor>:<key>`, whatever colons the actor and the key hold', () => {
    expect(clientIdempotencyKey('10:sales.anna:order-ORD-1001')).toBe('order-ORD-1001');
    expect(clientIdempotencyKey('20:key:4b07efc8a02a19db:lt-2026:03')).toBe('lt-2026:03');
  });
  it('leaves an import’s key, and anything not in the stored form, as it is', () => {
    expect(clientIdempotencyKey('import:erp:PlaceOrder:SO-9')).toBe('import:erp:PlaceOrder:SO-9');
    expect(clientIdempotencyKey('99:short')).toBe('99:short');
  });
});
