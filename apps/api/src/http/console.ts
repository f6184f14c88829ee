import fastifyStatic from '@fastify/static';
import { HttpException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toProblem } from './problem.filter';

/**
 * The console (apps/console, built by Vite) as static files under /console/: no server of its own, the same origin
 * and so the same auth and roles as every API call it makes. Hashed assets are cached for a year, index.html never.
 */
export async function serveConsole(app: NestFastifyApplication, dir: string): Promise<void> {
  const root = resolve(dir);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/console', (_request, reply) => reply.redirect('/console/', 302));
  if (!existsSync(join(root, 'index.html'))) {
    fastify.get('/console/*', (request, reply) => {
      const problem = { ...toProblem(new HttpException(`The console is not built in ${dir}: run npm run build (or set TOUCHPOINT_CONSOLE_DIR).`, 404)), instance: '/console/' };
      void reply.code(404).type('application/problem+json').send(problem);
    });
    return;
  }
  await app.register(fastifyStatic as never, {
    root,
    prefix: '/console/',
    index: ['index.html'],
    // Vite names assets by content hash: they never change under a name.
    setHeaders: (reply: { header(name: string, value: string): void }, path: string) => {
      reply.header('cache-control', path.startsWith(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
