import { openLogStack, testEntry } from 'test/support/log-stack';

// The child process of test/e2e/log-crash.e2e-spec.ts: the application's log stack appending to
// one tenant's log from several loops as fast as it can, until it is killed. It prints `ready`
// once started, then `ack <id> <logIndex>` for each entry only after its commit, so every line
// the parent reads names an entry that must survive the kill.
//
//   DATABASE_URL, SIGNING_KEY_FILE, SIGNING_KEY_PASSPHRASE   the parent's test app's values
//   TENANT_ID   the log to append to;   LOOPS   concurrent append loops (default 8)

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const tenantId = required('TENANT_ID');
  const loops = Number(process.env.LOOPS ?? '8');
  const stack = await openLogStack({
    databaseUrl: required('DATABASE_URL'),
    signingKeyFile: required('SIGNING_KEY_FILE'),
    signingKeyPassphrase: required('SIGNING_KEY_PASSPHRASE'),
    poolSize: 4,
  });
  process.stdout.write(`ready ${process.pid}\n`);
  let sent = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (;;) {
        const note = `crash-writer ${process.pid} #${sent++}`;
        const entry = await stack.writer.append(tenantId, testEntry('access', note));
        // A pipe write is synchronous on Linux: once this returns, the line outlives the process.
        process.stdout.write(`ack ${entry.id} ${entry.logIndex}\n`);
      }
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `crash writer failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
