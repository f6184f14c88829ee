import { Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { AggregateRunner } from '@touchpoint/application';
import { API_KEY_STORE, type JwtVerifier, type ApiKeyStore } from '@touchpoint/auth';
import { CHECKPOINT_STORE, Checkpointer, EVENT_STORE, SNAPSHOT_STORE, isChainedEventStore, type CheckpointStore, type Timer } from '@touchpoint/event-store';
import { CLOCK, ID_GENERATOR, parseStageProbabilities, parseTierCutoffs, type Clock, type IdGenerator, type TouchpointConfig } from '@touchpoint/platform';
import { ALL_PROJECTIONS, ANALYTICS_COLLECTION, PROJECTOR, Projector, READ_STORE, type ProjectorOptions } from '@touchpoint/read-models';
import { AuditController, SIGNING_KEY } from './audit/audit.controller';
import { CustomerExportController } from './audit/export.controller';
import { CHECKPOINTER } from './audit/checkpoints';
import { loadSigningKey, type SigningKey } from './audit/signing-key';
import { AUTH_MODE, AuthGuard, Authenticator, identityActorResolver, SessionController } from './auth';
import { AGGREGATE_RUNNER, COMMAND_HANDLERS } from './commands';
import { ERASURE } from './commands/customer.command';
import { CustomerCommandsController } from './customers/customers.commands.controller';
import { DealCommandsController } from './deals/deals.commands.controller';
import type { Engines } from './engines';
import { HealthController } from './health/health.controller';
import { ACTOR_RESOLVER, CommandContextFactory, headerActorResolver, type ActorResolver } from './http/command-context.factory';
import { CommandResponder } from './http/command-responder';
import { CsvInterceptor } from './http/csv';
import { UndeclaredQueryInterceptor } from './http/validation';
import { createBlindIndexStore, createCheckpointStore, createKeyStore } from './engines';
import { createMetrics, METRICS, MetricsController, PROJECTION_LAG } from './operations/metrics';
import { ProjectionLag } from './operations/projection-lag';
import { Consistency, CONSISTENCY_WAIT_MS } from './queries/consistency';
import { AnalyticsController, CustomerQueriesController, DealQueriesController } from './queries/read-model.controllers';
import { QUERY_HANDLERS, READ_SIDE_SETTINGS } from './queries/read-model.queries';
import { StreamsController } from './streams/streams.controller';
import { ForecastSubmissionsController, PipelineController } from './pipeline/pipeline.controller';
import { PIPELINE_QUERY_HANDLERS } from './pipeline/pipeline.queries';
import { PipelineViews } from './pipeline/pipeline-views';
import { DUPLICATE_FINDER, DuplicatesController, IDENTITY_INDEXER } from './identity/duplicates.controller';
import { MergesController } from './identity/merges.controller';
import { FollowUpProcess } from './tasks/follow-up.process';
import { TasksController } from './tasks/tasks.controller';
import { CalendarController } from './tasks/calendar.controller';
import { PaymentsController } from './customers/payments.controller';
import { CompetitionController, CompetitorOffersController } from './customers/competitors.controller';
import { SalesController } from './sales/sales.controller';
import { TeamScope } from './sales/team-scope';
import { PriceListsController, QUOTE_SETTINGS, QuotesController } from './quotes/quotes.controller';
import { FEED_SETTINGS, FeedController } from './streams/feed.controller';
import { CALENDAR_TOKENS, CalendarTokens } from './tasks/calendar-tokens';
import { ExecuteTaskCommand } from './commands';
import { BLIND_INDEX, DuplicateFinder, IdentityIndexer, loadHasher, type BlindIndexHasher, type BlindIndexStore, type ProfileSource } from '@touchpoint/identity';
import { customerAggregate } from './commands/aggregates';
import { customerStreamId } from '@touchpoint/domain';
import { commandExecutor } from './imports/command-executor';
import { ImportJobs } from './imports/import-jobs';
import { ListImportsHandler } from './imports/imports.queries';
import { IMPORT_SETTINGS, ImportsController } from './imports/imports.controller';
import { validateRecordBody } from './imports/record-validation';
import { currentFitsFrom, LIFETIME_VALUE_MODELS, LifetimeValueModels } from './lifetime-value/lifetime-value-models';
import { LifetimeValueController } from './lifetime-value/lifetime-value.controller';
import { WebhooksController } from './webhooks/webhooks.controller';
import { createWebhookInfrastructure, WEBHOOKS, type WebhookInfrastructure } from './webhooks/webhooks.infrastructure';
import { createDispatcher } from './webhooks/dispatcher.factory';
import type { WebhookDispatcher } from '@touchpoint/relay/webhooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AppDependencies {
  config: TouchpointConfig;
  engines: Engines;
  clock: Clock;
  ids: IdGenerator;
  actorResolver?: ActorResolver;
  /** repeats the audit checkpointer; real time unless a test injects one */
  timer?: Timer;
  /** the webhook delivery state and secrets; by default from configuration (tests share theirs with a dispatcher) */
  webhooks?: WebhookInfrastructure;
}

export interface AuthDependencies {
  apiKeyStore: ApiKeyStore;
  jwt?: JwtVerifier;
}

/** Every HTTP controller, in the order Nest registers them. */
export const CONTROLLERS = [CustomerCommandsController, CustomerQueriesController, DealCommandsController, DealQueriesController, AnalyticsController, PipelineController, ForecastSubmissionsController, StreamsController, AuditController, CustomerExportController, ImportsController, LifetimeValueController, DuplicatesController, MergesController, TasksController, CalendarController, PaymentsController, CompetitorOffersController, CompetitionController, SalesController, PriceListsController, QuotesController, FeedController, WebhooksController, HealthController, MetricsController, SessionController];

export const CONFIG = Symbol('CONFIG');
const BLIND_INDEX_HASHER = Symbol('BLIND_INDEX_HASHER');
/** An imported registration scoring this much against an existing customer is reported, not registered ("very likely the same"). */
const IMPORT_DUPLICATE_SCORE = 0.8;
const PROFILE_SOURCE = Symbol('PROFILE_SOURCE');
const ENGINES = Symbol('ENGINES');
const WEBHOOK_DISPATCHER = Symbol('WEBHOOK_DISPATCHER');

/** Starts the in-process projector with the app and closes every engine on shutdown, so processes and tests exit on their own. */
class Lifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('lifecycle');
  constructor(
    @Inject(ENGINES) private readonly engines: Engines,
    @Inject(PROJECTOR) private readonly projector: Projector | null,
    @Inject(API_KEY_STORE) private readonly keys: ApiKeyStore,
    @Inject(CHECKPOINTER) private readonly checkpointer: Checkpointer | null,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore | null,
    @Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner,
    private readonly imports: ImportJobs,
    @Inject(LIFETIME_VALUE_MODELS) private readonly models: LifetimeValueModels,
    @Inject(CONFIG) private readonly config: TouchpointConfig,
    @Inject(IDENTITY_INDEXER) private readonly indexer: IdentityIndexer,
    @Inject(BLIND_INDEX) private readonly blindIndex: BlindIndexStore,
    private readonly followUps: FollowUpProcess,
    @Inject(WEBHOOKS) private readonly webhooks: WebhookInfrastructure,
    @Inject(WEBHOOK_DISPATCHER) private readonly dispatcher: WebhookDispatcher | null,
  ) {}

  private fitTimer?: NodeJS.Timeout;

  async onApplicationBootstrap(): Promise<void> {
    this.checkpointer?.start();
    await this.indexer.start();
    this.followUps.start(this.config.TOUCHPOINT_FOLLOW_UP_CHECK_EVERY_MS);
    this.dispatcher?.start(this.config.TOUCHPOINT_DISPATCHER_POLL_MS);
    if (this.config.TOUCHPOINT_LTV_FIT_EVERY_MS > 0) {
      // Scheduled fits: each recorded as an event like a manual one; a failure is logged and retried next time.
      this.fitTimer = setInterval(() => {
        this.models.fit({ trigger: 'scheduled', actor: 'system:ltv-scheduler' }).catch((error) => this.logger.error({ msg: 'scheduled lifetime-value fit failed', error: String(error) }));
      }, this.config.TOUCHPOINT_LTV_FIT_EVERY_MS);
      this.fitTimer.unref();
    }
    if (!this.projector) {
      // Projector in its own process: the read side still needs its collections to query.
      await this.engines.readStore.ensureCollections([...ALL_PROJECTIONS.flatMap((p) => p.collections), ANALYTICS_COLLECTION]);
      return;
    }
    await this.projector.start();
    this.logger.log({ msg: 'projector running in process', position: this.projector.position, lag: this.projector.lag });
  }

  async onApplicationShutdown(): Promise<void> {
    // Running imports stop after their records in flight; a rerun resumes them.
    await this.imports.close();
    await this.followUps.stop();
    await this.dispatcher?.stop();
    await this.webhooks.state.close();
    if (this.fitTimer) clearInterval(this.fitTimer);
    await this.checkpointer?.stop();
    await this.checkpoints?.close();
    await this.projector?.stop();
    await this.indexer.stop();
    await this.blindIndex.close();
    // Snapshot saves run in the background: let them land before the store closes.
    await this.runner.close();
    await this.engines.eventStore.close();
    await this.engines.readStore.close();
    await this.keys.close();
  }
}

export function createProjector(
  deps: Pick<AppDependencies, 'config' | 'clock'> & { engines: Pick<Engines, 'eventStore' | 'readStore'> },
  onBatch?: ProjectorOptions['onBatch'],
  /** for tests and tools: batch sizes and the like, over what the configuration says */
  overrides: Partial<ProjectorOptions> = {},
): Projector {
  return new Projector(deps.engines.eventStore, deps.engines.readStore, ALL_PROJECTIONS, {
    now: () => deps.clock.now(),
    segmentation: { tierCutoffs: parseTierCutoffs(deps.config.TOUCHPOINT_TIER_CUTOFFS), tierBy: deps.config.TOUCHPOINT_TIER_BY, horizonDays: deps.config.TOUCHPOINT_LTV_HORIZON_DAYS },
    segmentEveryMs: deps.config.TOUCHPOINT_SEGMENT_EVERY_MS,
    cacheLimit: deps.config.TOUCHPOINT_PROJECTOR_CACHE_DOCS,
    lifetimeValueFits: () => currentFitsFrom(deps.engines.eventStore),
    onBatch,
    ...overrides,
  });
}

/** Wiring only: which providers exist and which adapters back the ports. No business rules here. */
@Module({})
export class AppModule {
  static register(deps: AppDependencies & { auth: AuthDependencies }): DynamicModule {
    const { config, engines } = deps;
    const projector = config.TOUCHPOINT_PROJECTOR_IN_PROCESS ? createProjector(deps) : null;
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), TerminusModule],
      controllers: CONTROLLERS,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: ENGINES, useValue: engines },
        { provide: CLOCK, useValue: deps.clock },
        { provide: ID_GENERATOR, useValue: deps.ids },
        { provide: EVENT_STORE, useValue: engines.eventStore },
        { provide: SNAPSHOT_STORE, useValue: engines.snapshots },
        { provide: ERASURE, useValue: engines.erasure },
        { provide: READ_STORE, useValue: engines.readStore },
        { provide: PROJECTOR, useValue: projector },
        { provide: PROJECTION_LAG, useValue: { reader: new ProjectionLag(engines.eventStore, engines.readStore, projector, deps.clock), maxLagSeconds: config.TOUCHPOINT_READY_MAX_LAG_SECONDS } },
        { provide: METRICS, inject: [PROJECTION_LAG], useFactory: (lag: { reader: ProjectionLag }) => createMetrics(engines.eventStore, lag.reader, projector) },
        { provide: CONSISTENCY_WAIT_MS, useValue: config.TOUCHPOINT_CONSISTENCY_WAIT_MS },
        { provide: SIGNING_KEY, useFactory: () => loadSigningKey(config) },
        { provide: CHECKPOINT_STORE, useFactory: () => (isChainedEventStore(engines.eventStore) ? createCheckpointStore(config) : null) },
        {
          provide: CHECKPOINTER,
          inject: [CHECKPOINT_STORE, SIGNING_KEY],
          useFactory: (checkpoints: CheckpointStore | null, key: SigningKey) =>
            checkpoints && isChainedEventStore(engines.eventStore)
              ? new Checkpointer(engines.eventStore, checkpoints, key.privateKey, {
                  everyMs: config.TOUCHPOINT_AUDIT_CHECKPOINT_EVERY_MS,
                  now: () => deps.clock.now(),
                  timer: deps.timer,
                  onError: (error) => new Logger('audit').error({ msg: 'audit checkpoint failed', error: String(error) }),
                })
              : null,
        },
        {
          provide: READ_SIDE_SETTINGS,
          useValue: {
            horizonDays: config.TOUCHPOINT_LTV_HORIZON_DAYS,
            stageProbabilities: parseStageProbabilities(config.TOUCHPOINT_STAGE_PROBABILITIES),
            forecast: { priorStrength: config.TOUCHPOINT_FORECAST_PRIOR_STRENGTH, lookbackMonths: config.TOUCHPOINT_FORECAST_LOOKBACK_MONTHS },
          },
        },
        { provide: API_KEY_STORE, useValue: deps.auth.apiKeyStore },
        { provide: AUTH_MODE, useValue: config.TOUCHPOINT_AUTH },
        { provide: Authenticator, useValue: new Authenticator(deps.auth.apiKeyStore, deps.auth.jwt) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: UndeclaredQueryInterceptor },
        { provide: APP_INTERCEPTOR, useClass: CsvInterceptor },
        // Auth off (trusted gateway): the gateway's X-Actor is recorded; auth on: the identity is.
        { provide: ACTOR_RESOLVER, useValue: deps.actorResolver ?? (config.TOUCHPOINT_AUTH === 'off' ? headerActorResolver : identityActorResolver) },
        {
          provide: AGGREGATE_RUNNER,
          useFactory: () =>
            new AggregateRunner(engines.eventStore, engines.snapshots, {
              snapshotEvery: config.TOUCHPOINT_SNAPSHOT_EVERY,
              onSnapshotError: (error, { streamId, revision }) =>
                new Logger('snapshots').warn({ msg: 'snapshot save failed; the next load reads more events', streamId, revision, error: String(error) }),
            }),
        },
        {
          provide: IMPORT_SETTINGS,
          useValue: {
            maxBytes: config.TOUCHPOINT_IMPORT_MAX_BYTES,
            spoolDir: config.TOUCHPOINT_EVENT_STORE === 'memory' ? join(tmpdir(), 'touchpoint-imports') : join(config.TOUCHPOINT_DATA_DIR, 'imports'),
          },
        },
        {
          provide: ImportJobs,
          inject: [AGGREGATE_RUNNER, CommandBus, DUPLICATE_FINDER, IDENTITY_INDEXER],
          useFactory: (runner: AggregateRunner, bus: CommandBus, finder: DuplicateFinder, indexer: IdentityIndexer) =>
            new ImportJobs({
              duplicates: {
                lookalikes: (r) =>
                  finder.candidatesForProfile(
                    { kind: r.kind, name: r.name, email: r.email ?? null, phone: r.phone ?? null, company: r.company ?? null, postalCode: r.address?.postalCode ?? null },
                    { exclude: r.customerId, minScore: IMPORT_DUPLICATE_SCORE },
                  ),
                indexedUpTo: async (position) => {
                  if (!(await indexer.waitFor(position, 60_000))) throw new Error(`the duplicate index is behind (at ${indexer.position}, not yet ${position})`);
                },
              },
              runner,
              store: engines.eventStore,
              execute: commandExecutor((command) => bus.execute(command)),
              validate: validateRecordBody,
              clock: deps.clock,
              ids: deps.ids,
              concurrency: config.TOUCHPOINT_IMPORT_CONCURRENCY,
              maxLineBytes: config.TOUCHPOINT_IMPORT_MAX_LINE_BYTES,
            }),
        },
        {
          provide: LIFETIME_VALUE_MODELS,
          inject: [AGGREGATE_RUNNER],
          useFactory: (runner: AggregateRunner) =>
            new LifetimeValueModels({
              store: engines.eventStore,
              readStore: engines.readStore,
              runner,
              clock: deps.clock,
              ids: deps.ids,
              settings: { minRepeatCustomers: config.TOUCHPOINT_LTV_MIN_REPEAT_CUSTOMERS, discountRatePerYear: config.TOUCHPOINT_LTV_DISCOUNT_RATE, unitDays: 7 },
            }),
        },
        { provide: BLIND_INDEX, useFactory: () => createBlindIndexStore(config) },
        {
          provide: BLIND_INDEX_HASHER,
          // The index key lives in the key store as a pseudo-subject, beside the customers' keys.
          useFactory: async () => {
            const keys = await createKeyStore(config);
            try {
              return await loadHasher(keys, config.TOUCHPOINT_BLIND_INDEX_KEY_VERSION);
            } finally {
              await keys.close();
            }
          },
        },
        {
          provide: PROFILE_SOURCE,
          inject: [AGGREGATE_RUNNER],
          useFactory: (runner: AggregateRunner): ProfileSource => async (customerId) => {
            const { state } = await runner.load(customerAggregate, customerStreamId(customerId));
            // Erased, unknown, or merged into another record (found through its survivor): nothing to match on.
            if (state.status !== 'active' || state.mergedInto) return null;
            const p = state.profile;
            return { kind: state.kind, name: p.name, email: p.email ?? null, phone: p.phone ?? null, company: p.company ?? null, postalCode: p.address?.postalCode ?? null };
          },
        },
        {
          provide: IDENTITY_INDEXER,
          inject: [BLIND_INDEX, BLIND_INDEX_HASHER, PROFILE_SOURCE],
          useFactory: (index: BlindIndexStore, hasher: BlindIndexHasher, profiles: ProfileSource) =>
            new IdentityIndexer(engines.eventStore, index, hasher, profiles, { onError: (error) => new Logger('identity').error({ msg: 'duplicate index stopped', error: String(error) }) }),
        },
        {
          provide: DUPLICATE_FINDER,
          inject: [BLIND_INDEX, BLIND_INDEX_HASHER, PROFILE_SOURCE],
          useFactory: (index: BlindIndexStore, hasher: BlindIndexHasher, profiles: ProfileSource) => new DuplicateFinder(index, hasher, profiles),
        },
        {
          provide: CALENDAR_TOKENS,
          useFactory: async () => {
            const keys = await createKeyStore(config);
            try {
              return await CalendarTokens.load(keys, config.TOUCHPOINT_CALENDAR_KEY_VERSION);
            } finally {
              await keys.close();
            }
          },
        },
        {
          provide: FollowUpProcess,
          inject: [CommandBus],
          useFactory: (bus: CommandBus) =>
            new FollowUpProcess(engines.readStore, (command, context) => bus.execute(new ExecuteTaskCommand(command, context)), deps.clock, {
              afterMs: config.TOUCHPOINT_FOLLOW_UP_AFTER_MINUTES * 60_000,
              maxAgeMs: config.TOUCHPOINT_FOLLOW_UP_MAX_AGE_DAYS * 86_400_000,
              fallbackAssignee: config.TOUCHPOINT_FOLLOW_UP_ASSIGNEE,
              batch: config.TOUCHPOINT_FOLLOW_UP_BATCH,
              concurrency: config.TOUCHPOINT_FOLLOW_UP_CONCURRENCY,
            }),
        },
        { provide: QUOTE_SETTINGS, useValue: { discountLimitPct: config.TOUCHPOINT_QUOTE_DISCOUNT_LIMIT_PCT } },
        { provide: WEBHOOKS, useFactory: () => deps.webhooks ?? createWebhookInfrastructure(config) },
        {
          provide: WEBHOOK_DISPATCHER,
          inject: [WEBHOOKS, AGGREGATE_RUNNER],
          useFactory: (webhooks: WebhookInfrastructure, runner: AggregateRunner) =>
            config.TOUCHPOINT_WEBHOOKS_IN_PROCESS
              ? createDispatcher({ config, store: engines.eventStore, webhooks, runner, clock: deps.clock, ids: deps.ids, log: (fields) => new Logger('webhooks').log(fields) }).dispatcher
              : null,
        },
        { provide: FEED_SETTINGS, useValue: { maxStreams: config.TOUCHPOINT_FEED_MAX_STREAMS, heartbeatMs: config.TOUCHPOINT_FEED_HEARTBEAT_MS, maxWaitMs: config.TOUCHPOINT_FEED_MAX_WAIT_MS } },
        CommandContextFactory,
        CommandResponder,
        TeamScope,
        Consistency,
        Lifecycle,
        ...COMMAND_HANDLERS,
        ...QUERY_HANDLERS,
        ...PIPELINE_QUERY_HANDLERS,
        ListImportsHandler,
        PipelineViews,
      ],
    };
  }
}
