import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule, type AppDependencies } from './app.module';
import { ProblemFilter } from './http/problem.filter';
import { strictValidationPipe } from './http/validation';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface CreateAppOptions extends AppDependencies {
  /** false silences logs (tests) */
  logs?: boolean;
}

/** Builds the HTTP application; used by main.ts and by the e2e tests alike. */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const adapter = new FastifyAdapter({ bodyLimit: config.TOUCHPOINT_BODY_LIMIT, trustProxy: false });
  const logger =
    options.logs === false ? false : new ConsoleLogger({ json: true, logLevels: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, { logger, abortOnError: false, bodyParser: false });

  const fastify = app.getHttpAdapter().getInstance();
  // Commands take JSON only; anything else is 415 rather than an empty or half-parsed body.
  // (Nest's own parsers are off: Fastify's JSON parser remains, bound by bodyLimit.)
  fastify.removeContentTypeParser('text/plain');
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Touchpoint API')
      .setDescription('Event-sourced CRM backend: every customer touchpoint is an immutable event.')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
