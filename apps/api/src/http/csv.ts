import { applyDecorators, Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiProduces } from '@nestjs/swagger';
import { stringify } from 'csv-stringify/sync';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';

/** A JSON answer as one table: the columns and a row per item. */
export interface CsvTable {
  columns: string[];
  rows: Array<Array<string | number | boolean | null | undefined>>;
}

const CSV_EXPORT = 'touchpoint:csv';

/**
 * The route answers `Accept: text/csv` with the table `toTable` makes of its JSON answer (same filters, same page; the
 * next page's cursor in `X-Next-Cursor`, or its `after` in `X-Next-After`), so analysts can take lists and analytics into their own tools.
 */
export function CsvExport(filename: string, toTable: (body: any) => CsvTable): MethodDecorator {
  return applyDecorators(SetMetadata(CSV_EXPORT, { filename, toTable }), ApiProduces('application/json', 'text/csv'));
}

/** q-value of a media range in an Accept header (0 when absent). */
function quality(accept: string, type: string): number {
  let best = 0;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';');
    const r = range.trim().toLowerCase();
    if (r !== type && r !== `${type.split('/')[0]}/*` && r !== '*/*') continue;
    const q = params.map((p) => p.trim().split('=')).find(([k]) => k === 'q')?.[1];
    const value = q === undefined ? 1 : Number(q);
    // An exact match outranks a wildcard of the same q.
    best = Math.max(best, Number.isFinite(value) ? value - (r === type ? 0 : 0.0001) : 0);
  }
  return best;
}

/** CSV when the client prefers it to JSON (a bare `*\/*` keeps JSON, the default). */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const csv = quality(accept, 'text/csv');
  return csv > 0 && accept.toLowerCase().includes('text/csv') && csv >= quality(accept, 'application/json');
}

/** A text cell a spreadsheet would run as a formula is written as text (OWASP CSV injection). */
const guard = (v: unknown) => (typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

export function toCsv(table: CsvTable): string {
  return stringify(
    table.rows.map((row) => row.map(guard)),
    { header: true, columns: table.columns, record_delimiter: 'windows', cast: { boolean: (b) => (b ? 'true' : 'false') } },
  );
}

@Injectable()
export class CsvInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<{ filename: string; toTable: (body: unknown) => CsvTable } | undefined>(CSV_EXPORT, context.getHandler());
    if (!spec) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    void reply.header('vary', 'Accept'); // caches keep the JSON and the CSV apart
    if (!prefersCsv(context.switchToHttp().getRequest<FastifyRequest>().headers.accept)) return next.handle();
    return next.handle().pipe(
      map((body) => {
        const next = (body as { nextCursor?: unknown } | null)?.nextCursor;
        if (typeof next === 'string') void reply.header('x-next-cursor', next);
        // A page read `after` a line number (an import's rejected lines) says where the next one starts.
        const after = (body as { next?: unknown } | null)?.next;
        if (typeof after === 'number') void reply.header('x-next-after', String(after));
        void reply.header('content-type', 'text/csv; charset=utf-8');
        void reply.header('content-disposition', `attachment; filename="${spec.filename}.csv"`);
        return toCsv(spec.toTable(body));
      }),
    );
  }
}
