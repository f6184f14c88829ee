import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ConsoleLogger, HttpException, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { JwtVerifier, ApiKeyStore } from '@touchpoint/auth';
import helmet from 'helmet';
import { createHash } from 'node:crypto';
import { AppModule, CONTROLLERS, type AppDependencies } from './app.module';
import { createJwtVerifier, createApiKeyStore } from './engines';
import { completeOpenApiDocument, describeResponses, describeRouteParameters, describeValidators } from './http/openapi';
import { IMPORT_CONTENT_TYPES } from './imports/imports.controller';
import { ProblemFilter, toProblem } from './http/problem.filter';
import { answerUndeclaredMethods } from './http/method-not-allowed';
import { serveConsole } from './http/console';
import { strictValidationPipe } from './http/validation';
import openApiMetadata from './openapi-metadata';
import { RESPONSE_SCHEMAS } from './openapi-responses';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface CreateAppOptions extends AppDependencies {
  /** false silences logs (tests) */
  logs?: boolean;
  /** defaults to the store named by configuration (auth.db, or memory) */
  apiKeyStore?: ApiKeyStore;
  /** defaults to the IdP named by configuration, if any */
  jwt?: JwtVerifier;
}

/** 429 as problem+json through the usual filter, with Retry-After. */
class TooManyRequestsProblem extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(`Rate limit reached; retry after ${retryAfterSeconds} s.`, 429);
  }
}

/** Rate-limit bucket: the presented credential (hashed, never kept) or else the client address. */
function rateLimitKey(request: { headers: Record<string, unknown>; ip: string }): string {
  const authorization = request.headers.authorization;
  return typeof authorization === 'string' ? `cred:${createHash('sha256').update(authorization).digest('hex').slice(0, 32)}` : `ip:${request.ip}`;
}

/** The DTO classes the generated plugin metadata describes, by name (the names of their OpenAPI schemas). */
async function dtoClasses(): Promise<Record<string, Function>> {
  const classes: Record<string, Function> = {};
  const metadata = (await openApiMetadata()) as unknown as { '@nestjs/swagger': { models: Array<[Promise<Record<string, unknown>>, Record<string, unknown>]> } };
  for (const [module, models] of metadata['@nestjs/swagger'].models) {
    const loaded = await module;
    for (const name of Object.keys(models)) if (typeof loaded[name] === 'function') classes[name] = loaded[name] as Function;
  }
  return classes;
}

/** Builds the HTTP application; used by main.ts and by the e2e tests alike. */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: config.TOUCHPOINT_BODY_LIMIT,
    trustProxy: false,
    // Slow clients cannot hold a connection open forever (slowloris).
    requestTimeout: config.TOUCHPOINT_REQUEST_TIMEOUT_MS,
    // Room for the longest query the API accepts (an import's CSV mapping, 4,000 characters, percent-encoded), so an
    // over-long one is a 400 naming it rather than Node's bare 431.
    http: { maxHeaderSize: 64 * 1024 },
    connectionTimeout: config.TOUCHPOINT_REQUEST_TIMEOUT_MS,
    // Errors Fastify raises before routing (over-long path params → 414, malformed URLs) are problem+json too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      const problem = { ...toProblem(new HttpException(status === 414 ? 'A path parameter is too long.' : 'The request URL is not valid.', status)), instance: request.url.split('?')[0].slice(0, 200) };
      void reply.code(problem.status).type('application/problem+json').send(problem);
    },
  });
  const logger =
    options.logs === false ? false : new ConsoleLogger({ json: true, logLevels: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1) });
  const apiKeyStore = options.apiKeyStore ?? (await createApiKeyStore(config));
  const jwt = options.jwt ?? (await createJwtVerifier(config));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register({ ...options, auth: { apiKeyStore, jwt } }), adapter, { logger, abortOnError: false, bodyParser: false });
  if (config.TOUCHPOINT_AUTH === 'off') {
    new Logger('auth').warn({ msg: 'AUTHENTICATION IS OFF (TOUCHPOINT_AUTH=off): every caller is admin and X-Actor is trusted. Only run this behind a gateway that authenticates.' });
  }

  // Helmet's default CSP (script-src 'self', inline styles allowed) is enough for the Swagger UI at /docs.
  // No upgrade-insecure-requests: plain-HTTP deployments behind a TLS gateway would lose the UI's assets.
  // helmet's middleware is built once; @fastify/helmet 13 rebuilds it on every request (6 % of an append's CPU).
  const securityHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
  if (config.TOUCHPOINT_RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.TOUCHPOINT_RATE_LIMIT_MAX,
      timeWindow: config.TOUCHPOINT_RATE_LIMIT_WINDOW_MS,
      keyGenerator: rateLimitKey,
      errorResponseBuilder: (_request, context) => new TooManyRequestsProblem(Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  }

  const fastify = app.getHttpAdapter().getInstance();
  // A known path with an undeclared method: 405 with Allow, not 404 (before any route is registered).
  answerUndeclaredMethods(fastify);
  // Commands take JSON only; anything else is 415 rather than an empty or half-parsed body.
  // (Nest's own parsers are off: Fastify's JSON parser remains, bound by bodyLimit.)
  fastify.removeContentTypeParser('text/plain');
  // Import bodies are handed over unread, as a stream: the import spools it to disk, never to memory.
  fastify.addContentTypeParser(IMPORT_CONTENT_TYPES, (_request, payload, done) => done(null, payload));
  await serveConsole(app, config.TOUCHPOINT_CONSOLE_DIR);
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

  // DTO and controller schemas come from the generated plugin metadata (npm run openapi:metadata).
  await SwaggerModule.loadPluginMetadata(openApiMetadata);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Touchpoint API')
      .setDescription('Event-sourced CRM backend: every customer touchpoint is an immutable event.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (tp_…) or a JWT from the configured identity provider. Each operation lists its roles in x-required-roles.' })
      .build(),
  );
  completeOpenApiDocument(document);
  describeRouteParameters(document, CONTROLLERS);
  describeResponses(document, CONTROLLERS, RESPONSE_SCHEMAS);
  describeValidators(document, await dtoClasses());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
