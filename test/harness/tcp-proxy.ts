// A loopback TCP proxy a test puts between one process and a server (a broker and
// etcd), to cut that one link as a network partition would while everything else
// keeps running. While cut, bytes in both directions are dropped and new
// connections are accepted but never forwarded: the client's requests hang until its
// own timeouts, as across a partition, rather than failing fast with a reset. Healing
// closes the connections that lived through the cut (their streams have lost bytes)
// and forwards new ones again.

import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The proxy's loopback port: give `127.0.0.1:<port>` to the client instead of the target. */
  readonly port: number;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let isCut = false;
  const pairs = new Set<{ client: Socket; upstream: Socket | null; brokenByCut: boolean }>();

  const server: Server = createServer((client) => {
    const pair = { client, upstream: null as Socket | null, brokenByCut: isCut };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    if (isCut) return; // held: accepted, never answered
    const upstream = connect(targetPort, targetHost);
    pair.upstream = upstream;
    upstream.on('error', drop);
    upstream.on('close', drop);
    client.on('data', (b: Buffer) => {
      if (!isCut && !pair.brokenByCut) upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (!isCut && !pair.brokenByCut) client.write(b);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    cut() {
      isCut = true;
      for (const p of pairs) p.brokenByCut = true;
    },
    heal() {
      isCut = false;
      for (const p of [...pairs]) {
        if (!p.brokenByCut) continue;
        pairs.delete(p);
        p.client.destroy();
        p.upstream?.destroy();
      }
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
