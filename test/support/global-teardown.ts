import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.__EMBEDDED_TEST_PG__;
  if (!embedded) return;
  await embedded.server.stop();
  rmSync(embedded.dir, { recursive: true, force: true });
}
