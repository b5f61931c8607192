import { redisConnectionFromUrl, selectQueueBackend } from 'src/queue/queue-backend';

describe('redisConnectionFromUrl', () => {
  it('carries credentials, database number and TLS from the URL', () => {
    expect(redisConnectionFromUrl('rediss://queue:p%40ss@cache.internal:6380/3')).toEqual({
      host: 'cache.internal',
      port: 6380,
      username: 'queue',
      password: 'p@ss',
      db: 3,
      tls: {},
      maxRetriesPerRequest: null,
    });
  });

  it('defaults the port and leaves out what the URL does not say', () => {
    expect(redisConnectionFromUrl('redis://localhost')).toEqual({
      host: 'localhost',
      port: 6379,
      maxRetriesPerRequest: null,
    });
  });
});

describe('selectQueueBackend', () => {
  it('chooses Redis when a Redis URL is given, without leaking its password', () => {
    const backend = selectQueueBackend('redis://:secret@cache:6379', 'postgres://db/audit');
    expect(backend.kind).toBe('redis');
    expect(backend.description).toBe('redis cache:6379');
  });

  it('falls back to the PostgreSQL backend in its own schema on the service database', () => {
    const backend = selectQueueBackend(undefined, 'postgres://u:p@db:5432/audit');
    expect(backend.kind).toBe('postgres');
    expect(backend.connection).toMatchObject({
      connectionString: 'postgres://u:p@db:5432/audit',
      schema: 'bullmq',
      migrate: true,
    });
  });
});
