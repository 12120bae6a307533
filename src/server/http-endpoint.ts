// The broker's small HTTP endpoint (http.listener): Prometheus metrics at
// /metrics, and Kubernetes probes: /healthz answers while the process runs,
// /readyz once the broker is registered and serving, and not while something
// keeps it from taking writes (a full log dir): the 503 body names the reasons.

import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HttpEndpointOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly isReady: () => boolean;
  /** Why a registered broker is not ready now (one line each); none by default. */
  readonly notReadyReasons?: () => string[];
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
        const reasons = o.isReady() ? (o.notReadyReasons?.() ?? []) : ['starting'];
        res.writeHead(reasons.length === 0 ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(reasons.length === 0 ? 'ready\n' : `${reasons.join('\n')}\n`);
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
