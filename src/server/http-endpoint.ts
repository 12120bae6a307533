// The broker's small HTTP endpoint (http.listener): Prometheus metrics at
// /metrics, and Kubernetes probes: /healthz answers while the process runs,
// /readyz once the broker is registered and serving.

import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HttpEndpointOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly isReady: () => boolean;
}

export class HttpEndpoint {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async listen(o: HttpEndpointOptions): Promise<HttpEndpoint> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        o.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': o.registry.contentType });
            res.end(text);
          },
          () => {
            res.writeHead(500);
            res.end();
          },
        );
        return;
      }
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
        return;
      }
      if (path === '/readyz') {
        const ready = o.isReady();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(ready ? 'ready\n' : 'starting\n');
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: o.host, port: o.port }, () => resolve());
    });
    const addr = server.address();
    return new HttpEndpoint(server, typeof addr === 'object' && addr !== null ? addr.port : o.port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
