import { Controller, Get, HttpCode, HttpException, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CsvExport } from '../http/csv';
import { importsTable, importErrorsTable } from '../http/csv-tables';
import { QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiExtension, ApiTags } from '@nestjs/swagger';
import { ID_GENERATOR, type IdGenerator } from '@touchpoint/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Roles } from '../auth';
import { CommandContextFactory } from '../http/command-context.factory';
import { PathParam } from '../http/params';
import { BadRequestProblem } from '../http/problem';
import { ImportJobs, ImportOptionsError, parseImportOptions, type ImportStatus } from './import-jobs';
import { ImportErrorsQueryDto, ListImportsQueryDto, StartImportQueryDto } from './imports.dtos';
import { ListImports } from './imports.queries';
import { Consistency } from '../queries/consistency';

export const IMPORT_SETTINGS = Symbol('IMPORT_SETTINGS');
export interface ImportSettings {
  maxBytes: number;
  /** where uploaded bodies are kept while their import runs */
  spoolDir: string;
}

/** The body types an import reads; Fastify hands their bodies over unread (app.factory.ts). */
export const IMPORT_CONTENT_TYPES = ['application/x-ndjson', 'application/ndjson', 'text/csv', 'application/gzip'];

class PayloadTooLarge extends HttpException {
  constructor(max: number) {
    super(`The import body is larger than ${max} bytes (TOUCHPOINT_IMPORT_MAX_BYTES).`, 413);
  }
}

/** Bulk import of history (docs/import.md): upload, then follow the job. */
@ApiTags('imports')
@Roles('importer')
@Controller('v1/imports')
export class ImportsController {
  constructor(
    private readonly jobs: ImportJobs,
    private readonly ctx: CommandContextFactory,
    @Inject(IMPORT_SETTINGS) private readonly settings: ImportSettings,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly queries: QueryBus,
    private readonly consistency: Consistency,
  ) {}

  /** Every import, newest first, each as GET /v1/imports/{importId} answers it, with who started it; cursor pages. */
  @CsvExport('imports', importsTable)
  @Get()
  async list(@Query() q: ListImportsQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    return this.queries.execute(new ListImports({ source: q.source, status: q.status }, q.limit ?? 50, q.cursor));
  }

  /**
   * Start an import: the body (NDJSON or CSV, gzip allowed) is stored, then imported in the background.
   * Answers 202 with the import's id; follow it at GET /v1/imports/{importId}.
   */
  @Post()
  @HttpCode(202)
  @ApiExtension('x-not-a-command', true)
  @ApiAcceptedResponse({
    description: 'The import started: its status (follow Location)',
    schema: {
      type: 'object',
      required: ['importId', 'source', 'format', 'input', 'status', 'startedAt', 'linesRead', 'accepted', 'alreadyImported', 'rejected', 'eventsAppended', 'lastPosition'],
      properties: {
        importId: { type: 'string', format: 'uuid' },
        source: { type: 'string' },
        format: { type: 'string', enum: ['ndjson', 'csv'] },
        input: { type: 'string' },
        status: { type: 'string', enum: ['running', 'completed', 'failed'] },
        reason: { type: 'string' },
        startedAt: { type: 'string', format: 'date-time' },
        finishedAt: { type: 'string', format: 'date-time', nullable: true },
        durationMs: { type: 'integer' },
        linesRead: { type: 'integer' },
        accepted: { type: 'integer' },
        alreadyImported: { type: 'integer' },
        rejected: { type: 'integer' },
        eventsAppended: { type: 'integer' },
        lastPosition: { type: 'integer' },
        eventsPerSecond: { type: 'integer' },
        bytesRead: { type: 'integer' },
      },
    },
  })
  @ApiConsumes(...IMPORT_CONTENT_TYPES)
  @ApiBody({ description: 'NDJSON records, or CSV rows with `mapping` (gzip allowed): docs/import.md', schema: { type: 'string', format: 'binary' } })
  async start(@Query() q: StartImportQueryDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ImportStatus> {
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!IMPORT_CONTENT_TYPES.includes(contentType)) {
      throw new HttpException(`An import body is ${IMPORT_CONTENT_TYPES.join(', ')}; got ${contentType || 'none'}.`, 415);
    }
    let mapping: unknown;
    if (q.mapping !== undefined) {
      try {
        mapping = JSON.parse(q.mapping);
      } catch {
        throw new BadRequestProblem([{ field: 'mapping', code: 'invalid_mapping', message: 'mapping must be JSON' }], 'The import options do not fit together; see errors.', 'invalid_import_options', 422);
      }
    }
    let options;
    try {
      options = parseImportOptions({ format: q.format ?? (contentType === 'text/csv' ? 'csv' : 'ndjson'), source: q.source, maxErrors: q.maxErrors, timeZone: q.timeZone, mapping, duplicates: q.duplicates, input: 'http' });
    } catch (error) {
      // Well-formed parameters that do not make an import (a CSV without its mapping, an unknown zone): 422.
      if (error instanceof ImportOptionsError) throw new BadRequestProblem(error.errors, 'The import options do not fit together; see errors.', 'invalid_import_options', 422);
      throw error;
    }
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > this.settings.maxBytes) throw new PayloadTooLarge(this.settings.maxBytes);
    const context = this.ctx.from(req);
    const slot = this.jobs.reserve();
    const importId = this.ids.next();
    const spool = join(this.settings.spoolDir, `${importId}.spool`);
    try {
      await mkdir(this.settings.spoolDir, { recursive: true });
      await pipeline(req.body as Readable, limitBytes(this.settings.maxBytes), createWriteStream(spool, { mode: 0o600 }));
    } catch (error) {
      slot.release();
      await rm(spool, { force: true });
      if (error instanceof PayloadTooLargeSignal) throw new PayloadTooLarge(this.settings.maxBytes);
      throw error;
    }
    const { status } = await this.jobs.start(options, { open: () => createReadStream(spool), cleanup: () => rm(spool, { force: true }) }, context, slot, importId);
    reply.header('location', `/v1/imports/${importId}`);
    return status;
  }

  /** The import's progress or outcome: lines read, accepted, rejected, events appended, last position, timings. */
  @Get(':importId')
  status(@Param('importId', PathParam.uuid('importId')) importId: string): Promise<ImportStatus> {
    return this.jobs.status(importId);
  }

  /** The rejected lines, in line order: line, sourceId, field, code, message. */
  @CsvExport('import-errors', importErrorsTable)
  @Get(':importId/errors')
  errors(@Param('importId', PathParam.uuid('importId')) importId: string, @Query() q: ImportErrorsQueryDto) {
    return this.jobs.rejections(importId, { after: q.after, limit: q.limit ?? 100 });
  }
}

class PayloadTooLargeSignal extends Error {}

function limitBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(new PayloadTooLargeSignal());
      else done(null, chunk);
    },
  });
}
