import { removeEmbeddedData } from 'src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.__EMBEDDED_TEST_PG__;
  if (!embedded) return;
  await embedded.server.stop();
  removeEmbeddedData(embedded.dir);
}
