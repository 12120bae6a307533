// A Connection on a SASL listener, over a real loopback socket: the exchange kafkajs and
// librdkafka make (ApiVersions, SaslHandshake v1, SaslAuthenticate), v0 raw tokens, and
// what closes the connection before authentication: another request, a wrong password (after
// SASL_AUTHENTICATION_FAILED with its message), a frame above sasl.server.max.receive.size.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RawClient } from '../../test/harness/raw-client.ts';
import { apiVersionsHandler } from '../api/api-versions.ts';
import { type ApiHandler, HandlerRegistry, type RequestContext } from '../api/handler.ts';
import { saslAuthenticateHandler } from '../api/sasl-authenticate.ts';
import { saslHandshakeHandler } from '../api/sasl-handshake.ts';
import { ApiVersions } from '../protocol/apis/api-versions.ts';
import { DescribeCluster } from '../protocol/apis/describe-cluster.ts';
import { SaslAuthenticate } from '../protocol/apis/sasl-authenticate.ts';
import { SaslHandshake } from '../protocol/apis/sasl-handshake.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { plainMechanism } from '../security/sasl/plain-server.ts';
import { SaslAuthenticator, type SaslOutcome } from '../security/sasl/sasl-authenticator.ts';
import { silentLogger } from '../util/logger.ts';
import { Connection } from './connection.ts';
import { SaslGate } from './sasl-gate.ts';

const RECEIVE_MAX = 1024;

describe('Connection on a SASL listener', () => {
  let server: Server;
  let bootstrap = '';
  const outcomes: SaslOutcome[] = [];
  const seen: RequestContext[] = [];

  before(async () => {
    const registry = new HandlerRegistry();
    const whoAmI: ApiHandler<typeof DescribeCluster> = {
      api: DescribeCluster,
      minVersion: 0,
      maxVersion: 1,
      handle(_req, ctx) {
        seen.push(ctx);
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          errorMessage: null,
          endpointType: 1,
          clusterId: ctx.principal.name,
          controllerId: -1,
          brokers: [],
          clusterAuthorizedOperations: 0,
        };
      },
    };
    registry
      .add(apiVersionsHandler(registry))
      .add(saslHandshakeHandler())
      .add(saslAuthenticateHandler())
      .add(whoAmI);
    const users = new Map([['alice', 'alice-pw']]);
    const plain = plainMechanism({ passwordOf: async (u) => users.get(u) ?? null });
    let id = 0;
    server = createServer((socket) => {
      const authenticator = new SaslAuthenticator({
        mechanisms: [plain],
        reauthMsByMechanism: new Map(),
      });
      new Connection({
        id: ++id,
        socket,
        registry,
        logger: silentLogger(),
        limits: { requestSizeBytesMax: 1 << 20, inflightRequestsMax: 10 },
        listenerName: 'SASL_PLAINTEXT',
        onClose: () => {},
        sasl: new SaslGate({
          authenticator,
          receiveSizeBytesMax: RECEIVE_MAX,
          apiVersionsSupported: (v) => v <= 4,
          onOutcome: (o) => outcomes.push(o),
        }),
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    bootstrap = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const describeCluster = { includeClusterAuthorizedOperations: false, endpointType: 1 };

  it('authenticates as kafkajs does and then serves requests as the user', async () => {
    const c = await RawClient.connect(bootstrap);
    const versions = await c.send(ApiVersions, 2, {} as never);
    assert.ok(versions.apiKeys.some((k) => k.apiKey === 36));
    const hs = await c.send(SaslHandshake, 1, { mechanism: 'PLAIN' });
    assert.deepEqual(hs, { errorCode: 0, mechanisms: ['PLAIN'] });
    const auth = await c.send(SaslAuthenticate, 2, {
      authBytes: Buffer.from('\u0000alice\u0000alice-pw'),
    });
    assert.equal(auth.errorCode, ErrorCode.NONE);
    const who = await c.send(DescribeCluster, 0, describeCluster);
    assert.equal(who.clusterId, 'alice');
    assert.deepEqual(seen.at(-1)?.principal, { type: 'User', name: 'alice' });
    c.close();
  });

  it('answers a wrong password with SASL_AUTHENTICATION_FAILED and a message, then closes', async () => {
    const c = await RawClient.connect(bootstrap);
    await c.send(SaslHandshake, 1, { mechanism: 'PLAIN' });
    const auth = await c.send(SaslAuthenticate, 1, {
      authBytes: Buffer.from('\u0000alice\u0000nope'),
    });
    assert.equal(auth.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(auth.errorMessage, 'Authentication failed: Invalid username or password');
    await c.closed;
    assert.equal(outcomes.at(-1)?.kind, 'failed');
  });

  it('closes on a request before authentication, without answering it', async () => {
    const c = await RawClient.connect(bootstrap);
    await assert.rejects(c.send(DescribeCluster, 0, describeCluster), /connection closed/);
    await c.closed;
  });

  it('closes on a frame above sasl.server.max.receive.size before reading it', async () => {
    const c = await RawClient.connect(bootstrap);
    const size = Buffer.alloc(4);
    size.writeInt32BE(RECEIVE_MAX + 1, 0);
    c.writeRaw(size);
    await c.closed;
  });

  it('takes raw tokens after a SaslHandshake v0', async () => {
    const c = await RawClient.connect(bootstrap);
    await c.send(SaslHandshake, 0, { mechanism: 'PLAIN' });
    const token = Buffer.from('\u0000alice\u0000alice-pw');
    const frame = Buffer.alloc(4 + token.length);
    frame.writeInt32BE(token.length, 0);
    token.copy(frame, 4);
    const answer = c.nextRawFrame();
    c.writeRaw(frame);
    assert.equal((await answer).length, 0, 'PLAIN answers an empty token');
    assert.equal((await c.send(DescribeCluster, 0, describeCluster)).clusterId, 'alice');
    c.close();
  });
});
