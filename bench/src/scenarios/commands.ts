import { AggregateRunner, type CommandContext } from '@touchpoint/application';
import type { EventStore, SnapshotStore } from '@touchpoint/event-store';
import { loadConfig } from '@touchpoint/platform';
import { customerStreamId, type CustomerCommand } from '@touchpoint/domain';
import { customerAggregate } from '../../../apps/api/src/commands/aggregates';
import type { Rng } from '../prng';

/** Commands as the HTTP edge would build them, for scenarios that drive the AggregateRunner directly. */
export function context(n: number): CommandContext {
  return { actor: 'bench', correlationId: `bench-${n}`, causationId: `bench-${n}` };
}

export function registerCommand(customerId: string, n: number): CustomerCommand {
  return { type: 'RegisterCustomer', data: { customerId, kind: 'person', name: `Bench Customer ${n}`, email: `bench${n}@example.com`, tags: [], occurredAt: new Date().toISOString() } };
}

export function touchpointCommand(customerId: string, rng: Rng): CustomerCommand {
  return {
    type: 'RecordTouchpoint',
    data: {
      customerId,
      touchpointId: rng.uuid(),
      touchpointType: 'call',
      channel: 'phone',
      direction: 'inbound',
      agent: 'alice',
      subject: 'Delivery question',
      summary: 'Asked when the second parcel arrives; promised a call back.',
      durationSeconds: rng.int(30, 900),
      occurredAt: new Date().toISOString(),
    },
  };
}

/** A runner configured as the app's (TOUCHPOINT_SNAPSHOT_EVERY from the environment, else its default). */
export function appRunner(store: EventStore & SnapshotStore): AggregateRunner {
  return new AggregateRunner(store, store, { snapshotEvery: loadConfig().TOUCHPOINT_SNAPSHOT_EVERY });
}

export function runCustomerCommand(runner: AggregateRunner, customerId: string, command: CustomerCommand, n: number) {
  return runner.execute(customerAggregate, customerStreamId(customerId), command, context(n));
}

/** The JSON body of a recorded touchpoint, for raw baselines that insert the same rows. */
export function touchpointRow(rng: Rng): { data: string; metadata: string } {
  const command = touchpointCommand(rng.uuid(), rng);
  return { data: JSON.stringify(command.data), metadata: JSON.stringify(context(1)) };
}
