// The outbound connection's framing rules, against a scripted fake broker on
// loopback: after the ApiVersions handshake, the fake collects requests and
// the test decides what bytes go back. The connection is the one the CLI's
// client and the replica fetchers share, so these are the properties a
// follower depends on: pipelined requests, responses checked against the
// oldest outstanding correlation id, and response sizes checked before any
// buffer of that size exists.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { ApiVersions } from '../protocol/apis/api-versions.ts';
import { codecFor, type MessageValue } from '../protocol/codec.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { FrameReader } from '../protocol/frame-reader.ts';
import { readRequestHeaderStart, writeResponseHeader } from '../protocol/headers.ts';
import { Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import { BrokerConnection } from './connection.ts';
import { ConnectionError } from './errors.ts';

type ApiVersionsResponse = MessageValue<typeof ApiVersions.response>;

const RESPONSE_SIZE_BYTES_MAX = 64 * 1024;

interface Received {
  readonly socket: Socket;
  readonly correlationId: number;
  readonly version: number;
}

function apiVersionsBody(): ApiVersionsResponse {
  return {
    errorCode: ErrorCode.NONE,
    apiKeys: [{ apiKey: ApiVersions.apiKey, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

/** An ApiVersions response frame (its response header is never flexible). */
function apiVersionsFrame(correlationId: number, version: number): Buffer {
  const w = new Writer();
  const setSize = w.reserveInt32();
  writeResponseHeader(w, correlationId, false);
  codecFor(ApiVersions.response).at(version).encode(w, apiVersionsBody());
  setSize(w.length - 4);
  return w.toBuffer();
}

/** A frame of `size` claimed bytes carrying `body` (shorter than claimed when it is cut off). */
function rawFrame(size: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(size, 0);
  return Buffer.concat([head, body]);
}

let server: Server;
let port: number;
/** Requests after the handshake, oldest first; the test answers them. */
const received: Received[] = [];
let arrived: () => void = () => undefined;

before(async () => {
  server = createServer((socket) => {
    let handshaken = false;
    const frames = new FrameReader(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) {
        const header = readRequestHeaderStart(new Reader(frame));
        if (!handshaken) {
          handshaken = true;
          socket.write(apiVersionsFrame(header.correlationId, header.apiVersion));
          continue;
        }
        received.push({ socket, correlationId: header.correlationId, version: header.apiVersion });
        arrived();
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});

after(async () => {
  server.close();
  await once(server, 'close');
});

async function open(): Promise<BrokerConnection> {
  received.length = 0;
  return BrokerConnection.open({
    host: '127.0.0.1',
    port,
    clientId: 'connection-test',
    connectTimeoutMs: 5000,
    requestTimeoutMs: 20_000,
    responseSizeBytesMax: RESPONSE_SIZE_BYTES_MAX,
  });
}

/** Resolves once the fake broker holds `n` unanswered requests. */
async function requestsArrived(n: number): Promise<Received[]> {
  while (received.length < n) {
    await new Promise<void>((resolve) => {
      arrived = resolve;
    });
  }
  return received.splice(0, n);
}

function ask(conn: BrokerConnection): Promise<ApiVersionsResponse> {
  return conn.send(ApiVersions, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
}

test('pipelines requests and hands each in-order response to its request', async () => {
  const conn = await open();
  try {
    const answers = [ask(conn), ask(conn), ask(conn)];
    const requests = await requestsArrived(3);
    const ids = requests.map((r) => r.correlationId);
    assert.equal(new Set(ids).size, 3, 'distinct correlation ids');
    // All three answers in one write: the reader must split them.
    requests[0]!.socket.write(
      Buffer.concat(requests.map((r) => apiVersionsFrame(r.correlationId, r.version))),
    );
    for (const a of await Promise.all(answers)) assert.equal(a.errorCode, ErrorCode.NONE);
    assert.ok(conn.isOpen);
  } finally {
    conn.close();
  }
});

test('a response out of request order breaks the connection and fails every request', async () => {
  const conn = await open();
  try {
    const answers = [ask(conn), ask(conn)];
    const [first, second] = await requestsArrived(2);
    first!.socket.write(apiVersionsFrame(second!.correlationId, second!.version));
    for (const a of answers) {
      await assert.rejects(a, (err: Error) => {
        assert.ok(err instanceof ConnectionError);
        assert.match(
          err.message,
          new RegExp(`correlation id ${second!.correlationId}, expected ${first!.correlationId}`),
        );
        return true;
      });
    }
    assert.equal(conn.isOpen, false);
  } finally {
    conn.close();
  }
});

test('a response nobody asked for breaks the connection', async () => {
  const conn = await open();
  try {
    const answer = ask(conn);
    const [request] = await requestsArrived(1);
    request!.socket.write(apiVersionsFrame(request!.correlationId + 1000, request!.version));
    await assert.rejects(answer, /correlation id \d+, expected \d+/);
  } finally {
    conn.close();
  }
});

test('a response frame claiming more than responseSizeBytesMax is refused before it arrives', async () => {
  const conn = await open();
  try {
    const answer = ask(conn);
    const [request] = await requestsArrived(1);
    // Only the size goes out: the refusal cannot wait for (or allocate) the claimed bytes.
    request!.socket.write(rawFrame(RESPONSE_SIZE_BYTES_MAX + 1));
    await assert.rejects(answer, (err: Error) => {
      assert.ok(err instanceof ConnectionError);
      assert.match(err.message, new RegExp(`frame size ${RESPONSE_SIZE_BYTES_MAX + 1} outside`));
      return true;
    });
  } finally {
    conn.close();
  }
});

test('a response frame too short for a correlation id breaks the connection, not the process', async () => {
  const conn = await open();
  try {
    const answer = ask(conn);
    const [request] = await requestsArrived(1);
    request!.socket.write(rawFrame(2, Buffer.from([0, 1])));
    await assert.rejects(answer, /response frame of 2 bytes is too short/);
  } finally {
    conn.close();
  }
});
