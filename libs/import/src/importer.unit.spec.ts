import type { CommandContext, CommandResult } from '@touchpoint/application';
import { ImportProgress, runImport, type ImportCommand, type ImportSettings } from './importer';
import type { ParsedLine } from './sources';

const settings: ImportSettings = { importId: 'imp-1', source: 'shop', actor: 'importer', causationId: 'cause-1', maxErrors: null, headAtStart: 0, now: () => '2026-01-01T00:00:00.000Z', window: 8 };

async function* parsed(records: object[]): AsyncGenerator<ParsedLine> {
  let line = 0;
  for (const record of records) yield { line: ++line, record };
}

/** 40 customers, each registered then given 4 touchpoints, written customer after customer. */
const records = Array.from({ length: 40 }, (_, c) => [
  { type: 'RegisterCustomer', sourceId: `c${c}`, kind: 'person', name: `Customer ${c}` },
  ...Array.from({ length: 4 }, (_, k) => ({ type: 'RecordTouchpoint', sourceId: `t${c}-${k}`, customer: `c${c}`, touchpointType: 'call', channel: 'phone' })),
]).flat();

describe('runImport', () => {
  it('keeps at most `window` records in flight, runs each customer’s records in file order, and settles every one', async () => {
    let inFlight = 0;
    let most = 0;
    const order = new Map<string, string[]>();
    let position = 0;
    const execute = async (command: ImportCommand, context: CommandContext): Promise<CommandResult> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const customer = (command.data as { customerId: string }).customerId;
      order.set(customer, [...(order.get(customer) ?? []), context.idempotencyKey!]);
      // settle out of submission order, as a store under load does
      await new Promise((r) => setTimeout(r, (position * 7) % 5));
      inFlight -= 1;
      position += 1;
      return { streamId: `customer-${customer}`, streamRevision: 0, globalPosition: position, ids: {}, events: [{ eventId: `e${position}`, type: 'X', streamRevision: 0, globalPosition: position }], replayed: false };
    };
    const progress = new ImportProgress(100);
    await runImport(parsed(records), { execute, validate: (_type, body) => ({ ok: true, body }) }, settings, progress);

    expect(progress).toMatchObject({ linesRead: 200, accepted: 200, rejected: 0, eventsAppended: 200, lastPosition: 200 });
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
    expect(order.size).toBe(40);
    for (const [c, keys] of [...order.values()].entries()) {
      expect(keys).toEqual([`import:shop:RegisterCustomer:c${c}`, ...[0, 1, 2, 3].map((k) => `import:shop:RecordTouchpoint:t${c}-${k}`)]);
    }
  });
});
