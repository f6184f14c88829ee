import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { AggregateRunner } from '@touchpoint/application';
import { EVENT_STORE, SNAPSHOT_STORE, type EventStore } from '@touchpoint/event-store';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator, type TouchpointConfig } from '@touchpoint/platform';
import { AGGREGATE_RUNNER, COMMAND_HANDLERS } from './commands';
import { CustomerCommandsController } from './customers/customers.commands.controller';
import { DealCommandsController } from './deals/deals.commands.controller';
import type { Engines } from './engines';
import { HealthController } from './health/health.controller';
import { ACTOR_RESOLVER, CommandContextFactory, headerActorResolver, type ActorResolver } from './http/command-context.factory';
import { CommandResponder } from './http/command-responder';
import { StreamsController } from './streams/streams.controller';

export interface AppDependencies {
  config: TouchpointConfig;
  engines: Engines;
  clock: Clock;
  ids: IdGenerator;
  actorResolver?: ActorResolver;
}

export const CONFIG = Symbol('CONFIG');

/** Wiring only: which providers exist and which adapters back the ports. No business rules here. */
@Module({})
export class AppModule {
  static register(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), TerminusModule],
      controllers: [CustomerCommandsController, DealCommandsController, StreamsController, HealthController],
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: CLOCK, useValue: deps.clock },
        { provide: ID_GENERATOR, useValue: deps.ids },
        { provide: EVENT_STORE, useValue: deps.engines.eventStore },
        { provide: SNAPSHOT_STORE, useValue: deps.engines.snapshots },
        { provide: ACTOR_RESOLVER, useValue: deps.actorResolver ?? headerActorResolver },
        {
          provide: AGGREGATE_RUNNER,
          useFactory: () => new AggregateRunner(deps.engines.eventStore, deps.engines.snapshots, { snapshotEvery: deps.config.TOUCHPOINT_SNAPSHOT_EVERY }),
        },
        CommandContextFactory,
        CommandResponder,
        ...COMMAND_HANDLERS,
        { provide: 'ENGINE_CLOSER', useFactory: (store: EventStore) => new EngineCloser(store), inject: [EVENT_STORE] },
      ],
    };
  }
}

/** Closes the engines when Nest shuts down, so processes and tests exit on their own. */
class EngineCloser implements OnApplicationShutdown {
  constructor(private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
