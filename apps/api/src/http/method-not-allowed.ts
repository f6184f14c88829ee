import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';
import { toProblem } from './problem.filter';
import { HttpException } from '@nestjs/common';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * 405 with `Allow` for a known path called with a method it does not declare (RFC 9110 §15.5.6), instead of the 404
 * of an unknown path. Routes are mirrored into a router of their own as Fastify registers them, so call this before
 * the application registers its routes.
 */
export function answerUndeclaredMethods(fastify: FastifyInstance): void {
  const known = FindMyWay();
  const noop = () => undefined;
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if ((METHODS as readonly string[]).includes(method)) known.on(method as (typeof METHODS)[number], route.url, noop);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const path = request.url.split('?')[0];
    const allowed = METHODS.filter((m) => known.find(m, path) !== null);
    if (allowed.length === 0) return done();
    const problem = { ...toProblem(new HttpException(`${request.method} is not allowed on ${path.slice(0, 200)}; it allows ${allowed.join(', ')}.`, 405)), instance: path.slice(0, 200) };
    void reply.code(405).header('allow', allowed.join(', ')).type('application/problem+json').send(problem);
  });
}
