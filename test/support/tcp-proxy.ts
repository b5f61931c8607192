import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP forwarder in front of one server (the test PostgreSQL), for tests that need the database
 * to disappear without stopping the real server, which other test files share. `cut()` is what
 * the application sees when PostgreSQL dies or the network drops: every open connection is reset
 * and new ones are refused until `restore()`.
 */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** Connections forwarded since the proxy started (a cut one counts). */
  readonly connections: number;
  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let up = true;
  let connections = 0;
  // Both ends of every pair, so that a cut reaches the server's side too (PostgreSQL then ends
  // the backend and rolls back whatever it had open, as it would after a network failure).
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    // A reset socket reports ECONNRESET; the other side learns of it by its own close.
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    if (!up) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    connections += 1;
    const upstream = createConnection(target);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    get connections() {
      return connections;
    },
    cut() {
      up = false;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    restore() {
      up = true;
    },
    close() {
      up = false;
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: Pick<TcpProxy, 'host' | 'port'>): string {
  const u = new URL(url);
  u.hostname = proxy.host;
  u.port = String(proxy.port);
  return u.toString();
}
