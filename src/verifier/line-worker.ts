import { parentPort, workerData } from 'node:worker_threads';
import { parseKeySet } from 'src/verifier/key-set';
import type { WorkerReply, WorkerRequest } from 'src/verifier/line-pool';
import { checkLine } from 'src/verifier/package-entries';

/** A thread of LinePool: verifies the batches of lines it is sent, each line on its own. */
const keySet = parseKeySet((workerData as { jwks: unknown }).jwks);

parentPort!.on('message', (request: WorkerRequest) => {
  const bytes = Buffer.from(request.buffer);
  let start = 0;
  const results = request.ends.map((end, k) => {
    const where = `${request.file}:${request.first + k + 1}`;
    const checked = checkLine(where, bytes.subarray(start, end), keySet);
    start = end;
    return checked;
  });
  const reply: WorkerReply = { id: request.id, results };
  parentPort!.postMessage(reply);
});
