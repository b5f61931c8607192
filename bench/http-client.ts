import { Agent, request } from 'node:http';

export interface HttpReply {
  status: number;
  body: string;
}

/**
 * One POST of a JSON body that is already serialised (so the client spends nothing on JSON), over
 * the agent's kept-alive sockets: about the least a real client can cost.
 */
export function postJson(
  agent: Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(body.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
