// Finding TCP ports on loopback for local processes (etcd members, dev-cluster brokers).
// A port found free here can still be taken before the process binds it; callers that
// start servers on such ports retry with new ones or report the bind error.

import { createServer, type Server } from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** `count` distinct ports the kernel reports free, all held open together so none repeats. */
export async function freePorts(count: number, host = LOOPBACK_HOST): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen(host, 0));
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(close));
  }
}

export async function freePort(host = LOOPBACK_HOST): Promise<number> {
  const [port] = await freePorts(1, host);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** Whether nothing listens on `port` of `host` right now. */
export async function isPortFree(port: number, host = LOOPBACK_HOST): Promise<boolean> {
  try {
    await close(await listen(host, port));
    return true;
  } catch {
    return false;
  }
}
