import { ERASED, EVENT_SCHEMA_VERSIONS, PERSONAL_FIELDS, erasePersonalFields, mapPersonalFields } from '@touchpoint/domain';

describe('personal data catalogue', () => {
  it('lists every event type of the catalogue', () => {
    expect(Object.keys(PERSONAL_FIELDS).sort()).toEqual(Object.keys(EVENT_SCHEMA_VERSIONS).sort());
  });

  it('erases present fields by kind, leaves absent and cleared ones, and never mutates its input', () => {
    const data = { customerId: 'c', changes: { email: null, phone: '+380', address: { line1: 'x', city: 'y', country: 'UA' }, tags: ['a'], owner: 'o' }, occurredAt: 't' };
    const copy = structuredClone(data);
    const erased = erasePersonalFields('CustomerProfileChanged', data);
    expect(erased).toEqual({ customerId: 'c', changes: { email: null, phone: ERASED, address: { erased: true }, tags: [], owner: 'o' }, occurredAt: 't' });
    expect(data).toEqual(copy);
  });

  it('returns the same object when nothing is personal', () => {
    const data = { customerId: 'c', orderId: 'o', occurredAt: 't' };
    expect(mapPersonalFields('OrderCancelled', data, () => 'x')).toBe(data);
    expect(mapPersonalFields('UnknownType', data, () => 'x')).toBe(data);
  });
});
