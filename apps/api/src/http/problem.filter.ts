import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError } from '@touchpoint/domain';
import { WriteContentionError } from '@touchpoint/application';
import { describeError } from '@touchpoint/platform';
import { IdempotencyKeyReusedError, WrongExpectedRevisionError } from '@touchpoint/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestProblem, problemType, type Problem } from './problem';

const DOMAIN_STATUS = { forbidden: 403, not_found: 404, conflict: 409, rule_violated: 422 } as const;

/**
 * Maps anything thrown to problem+json; internals and stack traces never leave the process.
 * Fastify's body errors (413, malformed JSON, 415) reach here as HttpExceptions.
 */
export function toProblem(error: unknown): Problem {
  if (error instanceof BadRequestProblem) {
    const body = error.getResponse() as { detail: string; errors: Problem['errors'] };
    const status = error.getStatus();
    return { type: problemType(error.code), title: status === 422 ? 'Unprocessable request' : 'Invalid request', status, code: error.code, detail: body.detail, errors: body.errors };
  }
  if (error instanceof DomainError) {
    const status = DOMAIN_STATUS[error.kind];
    const title = { forbidden: 'Forbidden', not_found: 'Not found', conflict: 'Conflict', rule_violated: 'Business rule violated' }[error.kind];
    return {
      type: problemType(error.code),
      title,
      status,
      code: error.code,
      detail: error.message,
      ...(error.field && { errors: [{ field: error.field, code: error.code, message: error.message }] }),
    };
  }
  if (error instanceof WrongExpectedRevisionError) {
    return {
      type: problemType('wrong_expected_revision'),
      title: 'Stale revision',
      status: 409,
      code: 'wrong_expected_revision',
      detail: `The resource is at revision ${error.actual}; the request expected ${String(error.expected)}. Reload and retry.`,
      expectedRevision: error.expected,
      actualRevision: error.actual,
      errors: [{ field: 'header:If-Match', code: 'wrong_expected_revision', message: 'stale revision' }],
    };
  }
  if (error instanceof WriteContentionError) {
    return {
      type: problemType('write_contention'),
      title: 'Write contention',
      status: 409,
      code: 'write_contention',
      detail: 'Other writers kept changing this resource; the command was not applied. Retry after a moment.',
      retryAfterSeconds: 1,
    };
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return {
      type: problemType('idempotency_key_reused'),
      title: 'Idempotency key reused',
      status: 422,
      code: 'idempotency_key_reused',
      detail: 'This Idempotency-Key was used before with a different request.',
      errors: [{ field: 'header:Idempotency-Key', code: 'idempotency_key_reused', message: 'key already used for another request' }],
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = (HttpStatus[status] ?? 'error').toLowerCase();
    const title = code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
    const response = error.getResponse();
    if (status === 503 && typeof response === 'object' && response && 'details' in response) {
      // Terminus' failed health check: keep which indicator failed and why.
      return { type: problemType('unhealthy'), title: 'Unhealthy', status, code: 'unhealthy', detail: 'A health check failed; see checks.', checks: (response as { details: unknown }).details };
    }
    const detail = typeof error.getResponse() === 'string' ? (error.getResponse() as string) : ((error.getResponse() as { message?: unknown }).message ?? error.message);
    return { type: problemType(code), title, status, code, detail: Array.isArray(detail) ? detail.join('; ') : String(detail) };
  }
  return { type: problemType('internal_error'), title: 'Internal server error', status: 500, code: 'internal_error', detail: 'An unexpected error occurred.' };
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem: Problem = { ...toProblem(error), instance: request.url.split('?')[0] };
    // Path only (the query may carry personal filters); never headers or body.
    const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
    const retryAfter = (error as { retryAfterSeconds?: number })?.retryAfterSeconds ?? (problem.retryAfterSeconds as number | undefined);
    // A 503 with Retry-After is an expected outcome the client retries (read models not there yet, stream limit):
    // a warning without a stack, so an alert on error lines means a real fault.
    if (problem.status === 503 && retryAfter) this.logger.warn({ msg: 'request not served yet; the client retries', method: request.method, url: problem.instance, status: 503, code: problem.code, retryAfter });
    else if (problem.status >= 500) this.logger.error({ msg: 'request failed', method: request.method, url: problem.instance, status: problem.status, error: describeError(error) });
    delete problem.retryAfterSeconds;
    if (retryAfter) headers['retry-after'] = String(retryAfter);
    if (problem.status === 401) headers['www-authenticate'] = 'Bearer';
    reply.status(problem.status).headers(headers).send(problem);
  }
}
