import { Profiler, Session } from 'node:inspector/promises';

/**
 * Areas of the server's main thread, by the file of a sampled frame. A frame whose file is in no
 * area (a Node internal such as a socket write, a native function, a promise job) counts for the
 * nearest caller that is: pg's writes of query parameters count as database client.
 */
const AREAS: [string, RegExp][] = [
  [
    'canonical JSON (src/evidence-format/canonical-json.ts)',
    /src\/evidence-format\/canonical-json\.ts$/,
  ],
  [
    'request digest, record body, JSON copies (record-commit.service, record-draft)',
    /src\/records\/(record-commit\.service|record-draft)\.ts$/,
  ],
  [
    'validation (ajv, submitted-record.ts)',
    /node_modules\/ajv|src\/records\/submitted-record\.ts$/,
  ],
  [
    'hashing, signing, encryption, log writer',
    /node:internal\/crypto|src\/(log|signing)\/|src\/evidence-format\/merkle|src\/records\/record-text-cipher\.ts$/,
  ],
  [
    'database client (TypeORM, pg, repositories)',
    /node_modules\/(typeorm|pg|pg-protocol|pg-pool|pg-types|postgres-\w+)\/|src\/database\/|\.repository\.ts$/,
  ],
  [
    'Nest, guards, passport, logging, metrics',
    /node_modules\/(@nestjs|passport[\w-]*|rxjs|pino[\w-]*|prom-client|class-\w+|nestjs-pino)\/|src\/(access|auth|common|metrics|applications|policies)\//,
  ],
  [
    'HTTP, express, body parser (incl. JSON.parse)',
    /node_modules\/(express|router|body-parser|raw-body|iconv-lite|helmet|finalhandler|on-finished|type-is|content-type|send|qs)\/|node:_http/,
  ],
];
const GC = 'garbage collection';
const IDLE = 'idle (waiting for I/O)';
const OTHER = 'other (runtime, promise jobs, unattributed native)';

/** Runs `work` under the V8 sampling profiler of this process (the server's main thread). */
export async function profileDuring<T>(
  work: () => Promise<T>,
): Promise<{ result: T; profile: Profiler.Profile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = await session.post('Profiler.stop');
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

function ownArea(node: Profiler.ProfileNode): string | null {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return GC;
  if (functionName === '(idle)') return IDLE;
  // ajv's compiled validators have no file.
  if (!url && /^validate\d+$/.test(functionName)) return AREAS[2][0];
  return AREAS.find(([, pattern]) => pattern.test(url))?.[0] ?? null;
}

/** Milliseconds of the main thread per area, from the profile's samples. */
export function timeByArea(profile: Profiler.Profile): Map<string, number> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const area = new Map<number, string>();
  const visit = (id: number, inherited: string) => {
    const node = nodes.get(id);
    if (!node) return;
    const own = ownArea(node) ?? inherited;
    area.set(id, own);
    for (const child of node.children ?? []) visit(child, own);
  };
  visit(profile.nodes[0].id, OTHER);
  const ms = new Map<string, number>();
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const key = area.get(id) ?? OTHER;
    // A sample's time is the gap to the next one.
    ms.set(key, (ms.get(key) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  });
  return ms;
}
