import { ConfigError, loadConfig } from './config';

const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadConfig: engines', () => {
  it('defaults to SQLite for both stores', () => {
    const config = loadConfig({});
    expect(config.TOUCHPOINT_EVENT_STORE).toBe('sqlite');
    expect(config.TOUCHPOINT_READ_STORE).toBe('sqlite');
  });

  it('accepts each event store with the URL it needs', () => {
    expect(loadConfig({ TOUCHPOINT_EVENT_STORE: 'memory' }).TOUCHPOINT_EVENT_STORE).toBe('memory');
    expect(loadConfig({ TOUCHPOINT_EVENT_STORE: 'postgres', TOUCHPOINT_POSTGRES_URL: 'postgres://tp@db:5432/tp' }).TOUCHPOINT_POSTGRES_URL).toBe('postgres://tp@db:5432/tp');
    const esdb = loadConfig({ TOUCHPOINT_EVENT_STORE: 'eventstoredb', TOUCHPOINT_EVENTSTORE_URL: 'esdb://kurrentdb:2113?tls=false' });
    expect(esdb.TOUCHPOINT_EVENT_STORE).toBe('eventstoredb');
    expect(esdb.TOUCHPOINT_EVENTSTORE_URL).toBe('esdb://kurrentdb:2113?tls=false');
    expect(loadConfig({ TOUCHPOINT_EVENT_STORE: 'eventstoredb', TOUCHPOINT_EVENTSTORE_URL: 'esdb+discover://cluster.example:2113' }).TOUCHPOINT_EVENTSTORE_URL).toBe(
      'esdb+discover://cluster.example:2113',
    );
  });

  it('names the missing or malformed EventStoreDB URL', () => {
    const [missing] = problems({ TOUCHPOINT_EVENT_STORE: 'eventstoredb' });
    expect(missing).toContain('TOUCHPOINT_EVENTSTORE_URL');
    expect(missing).toContain('esdb://');
    expect(problems({ TOUCHPOINT_EVENT_STORE: 'eventstoredb', TOUCHPOINT_EVENTSTORE_URL: 'http://127.0.0.1:2113' })).toEqual([
      // URLs can carry credentials: the value is never echoed.
      expect.stringMatching(/^TOUCHPOINT_EVENTSTORE_URL=\(hidden\): .*esdb:\/\//),
    ]);
  });

  it('ignores the EventStoreDB URL for other engines and rejects unknown engines', () => {
    expect(loadConfig({ TOUCHPOINT_EVENT_STORE: 'sqlite', TOUCHPOINT_EVENTSTORE_URL: 'not a url' }).TOUCHPOINT_EVENT_STORE).toBe('sqlite');
    expect(problems({ TOUCHPOINT_EVENT_STORE: 'kurrent' })).toEqual([expect.stringContaining('TOUCHPOINT_EVENT_STORE="kurrent"')]);
    expect(problems({ TOUCHPOINT_EVENT_STORE: 'postgres' })).toEqual([expect.stringContaining('TOUCHPOINT_POSTGRES_URL')]);
    expect(problems({ TOUCHPOINT_READ_STORE: 'mongodb' })).toEqual([expect.stringContaining('TOUCHPOINT_MONGO_URL')]);
  });
});
