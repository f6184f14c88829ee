import { evolveImport, type ImportDoc, type ProjectedEvent } from '@touchpoint/read-models';

const event = (type: string, data: object, position: number): ProjectedEvent =>
  ({ type, data, eventId: `e${position}`, streamId: 'import-i1', streamRevision: position - 1, globalPosition: position, recordedAt: '2026-03-01T10:00:00.000Z', metadata: { actor: 'key:abc', correlationId: 'c', causationId: 'c' } }) as unknown as ProjectedEvent;

const started = event('ImportStarted', { importId: 'i1', source: 'oldcrm', format: 'ndjson', maxErrors: null, input: 'http', occurredAt: '2026-03-01T10:00:00.000Z' }, 7);
const finished = event(
  'ImportFinished',
  { importId: 'i1', status: 'completed', linesRead: 10, accepted: 9, alreadyImported: 0, rejected: 1, eventsAppended: 12, lastPosition: 19, durationMs: 250, rejections: [{ line: 4, code: 'invalid_field', message: 'x' }], rejectionsTruncated: false, occurredAt: '2026-03-01T10:00:01.000Z' },
  20,
);

describe('imports projection', () => {
  it('starts a document with who started the import, and ends it with the outcome', () => {
    const begun = evolveImport(undefined, started)!;
    expect(begun).toEqual({
      _id: 'i1',
      _position: 7,
      importId: 'i1',
      source: 'oldcrm',
      format: 'ndjson',
      input: 'http',
      startedBy: 'key:abc',
      startedAt: '2026-03-01T10:00:00.000Z',
      status: 'started',
      finishedAt: null,
      durationMs: null,
      linesRead: null,
      accepted: null,
      alreadyImported: null,
      rejected: null,
      eventsAppended: null,
      lastPosition: null,
    } satisfies ImportDoc);
    expect(evolveImport(begun, finished)).toEqual({ ...begun, _position: 20, status: 'completed', finishedAt: '2026-03-01T10:00:01.000Z', durationMs: 250, linesRead: 10, accepted: 9, alreadyImported: 0, rejected: 1, eventsAppended: 12, lastPosition: 19 });
  });

  it('keeps a failed import’s reason, and ignores an end without a start and other events', () => {
    const failed = event('ImportFinished', { ...(finished.data as object), status: 'failed', reason: 'stopped after 1 rejected lines' }, 21);
    expect(evolveImport(evolveImport(undefined, started), failed)).toMatchObject({ status: 'failed', reason: 'stopped after 1 rejected lines' });
    expect(evolveImport(undefined, finished)).toBeUndefined();
    const doc = evolveImport(undefined, started);
    expect(evolveImport(doc, event('CustomerRegistered', { customerId: 'c' }, 30))).toBe(doc);
  });
});
