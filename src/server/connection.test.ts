// Connection's buffer recycling over a real loopback socket: a large Produce
// frame goes back to the pool once its handler has answered, other frames do
// not, and leased records in a response go back once the socket wrote them. The request
// memory bound holds frames that do not fit and gets every admitted byte back.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ApiHandler, RequestOf, ResponseOf } from '../api/handler.ts';
import { HandlerRegistry } from '../api/handler.ts';
import { Fetch } from '../protocol/apis/fetch.ts';
import { Metadata } from '../protocol/apis/metadata.ts';
import { Produce } from '../protocol/apis/produce.ts';
import { codecFor } from '../protocol/codec.ts';
import { writeRequestHeader } from '../protocol/headers.ts';
import type { ApiDef } from '../protocol/schema.ts';
import { Writer } from '../protocol/writer.ts';
import { BufferPool, isLeased } from '../util/buffer-pool.ts';
import { silentLogger } from '../util/logger.ts';
import { Connection } from './connection.ts';
import { RequestMemory } from './request-memory.ts';

const KIB = 1024;

function encodeRequest<A extends ApiDef>(api: A, version: number, id: number, body: RequestOf<A>) {
  const codec = codecFor(api.request).at(version);
  const w = new Writer();
  const setSize = w.reserveInt32();
  const header = { apiKey: api.apiKey, apiVersion: version, correlationId: id, clientId: 'test' };
  writeRequestHeader(w, header, codec.flexible);
  codec.encode(w, body as never);
  setSize(w.length - 4);
  return w.toBuffer();
}

/** Reads whole response frames off a client socket, in order. */
class ResponseReader {
  private buffered = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(socket: Socket) {
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (
        this.buffered.length >= 4 &&
        this.buffered.length >= 4 + this.buffered.readInt32BE(0)
      ) {
        const size = this.buffered.readInt32BE(0);
        this.frames.push(this.buffered.subarray(4, 4 + size));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake?.();
    });
  }

  async next(): Promise<Buffer> {
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('the broker closed the connection');
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
    return this.frames.shift()!;
  }
}

describe('Connection buffer recycling', () => {
  const pool = new BufferPool();
  let server: Server;
  let client: Socket;
  let responses: ResponseReader;
  let producedRecords: Buffer | null = null;
  const fetchedRecords = pool.acquireView(70 * KIB).fill(7);

  const produce: ApiHandler<typeof Produce> = {
    api: Produce,
    minVersion: 3,
    maxVersion: 11,
    handle(req) {
      const p = req.topicData[0]!.partitionData[0]!;
      producedRecords = Buffer.from(p.records!);
      assert.equal(pool.pooledBytes, 0, 'the frame is still leased while the handler runs');
      const partitionResponses = [
        {
          index: p.index,
          errorCode: 0,
          baseOffset: 0,
          logAppendTimeMs: -1,
          logStartOffset: 0,
          recordErrors: [],
          errorMessage: null,
          currentLeader: null,
        },
      ];
      const responses = [{ name: 't', partitionResponses }];
      return { responses, throttleTimeMs: 0, nodeEndpoints: [] } as ResponseOf<typeof Produce>;
    },
  };
  const metadata: ApiHandler<typeof Metadata> = {
    api: Metadata,
    minVersion: 0,
    maxVersion: 12,
    handle: () => null,
  };
  const fetch: ApiHandler<typeof Fetch> = {
    api: Fetch,
    minVersion: 4,
    maxVersion: 17,
    handle: () => ({
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      nodeEndpoints: [],
      responses: [
        {
          topic: 't',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 1,
              lastStableOffset: 1,
              logStartOffset: 0,
              divergingEpoch: null,
              currentLeader: null,
              snapshotId: null,
              abortedTransactions: [],
              preferredReadReplica: -1,
              records: fetchedRecords,
            },
          ],
        },
      ],
    }),
  };

  before(async () => {
    const registry = new HandlerRegistry().add(produce).add(metadata).add(fetch);
    server = createServer((socket) => {
      new Connection({
        id: 1,
        socket,
        registry,
        logger: silentLogger(),
        limits: { requestSizeBytesMax: 1 << 20, inflightRequestsMax: 10 },
        listenerName: 'PLAINTEXT',
        onClose: () => {},
        bufferPool: pool,
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    client = new Socket();
    responses = new ResponseReader(client);
    client.connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1');
    await once(client, 'connect');
  });

  after(() => {
    client.destroy();
    server.close();
  });

  /** Writes a frame in two pieces, so the server gets it in more than one chunk. */
  async function sendInPieces(frame: Buffer): Promise<void> {
    client.write(frame.subarray(0, 1000));
    await new Promise((r) => setTimeout(r, 20));
    client.write(frame.subarray(1000));
  }

  it('hands a large Produce frame back to the pool once the handler answered', async () => {
    const records = Buffer.alloc(100 * KIB, 3);
    const frame = encodeRequest(Produce, 8, 1, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    } as unknown as RequestOf<typeof Produce>);
    await sendInPieces(frame);
    const response = await responses.next();
    assert.equal(response.readInt32BE(0), 1, 'correlation id');
    assert.deepEqual(producedRecords, records);
    assert.equal(pool.pooledBytes, 128 * KIB, 'the frame buffer is free for the next request');
  });

  it('leaves large frames of other requests to the garbage collector', async () => {
    const topics = Array.from({ length: 2000 }, (_, i) => ({ name: `topic-${i}`.padEnd(50, 'x') }));
    const frame = encodeRequest(Metadata, 4, 2, {
      topics,
      allowAutoTopicCreation: false,
    } as unknown as RequestOf<typeof Metadata>);
    assert.ok(frame.length > 64 * KIB);
    await sendInPieces(frame);
    // Metadata answers nothing here; the next response proves the request was handled.
    const fetchFrame = encodeRequest(Fetch, 11, 3, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [],
      forgottenTopicsData: [],
      rackId: '',
    } as unknown as RequestOf<typeof Fetch>);
    assert.ok(isLeased(fetchedRecords));
    client.write(fetchFrame);
    const response = await responses.next();
    assert.equal(response.readInt32BE(0), 3);
    const got = response.subarray(response.length - fetchedRecords.length);
    assert.deepEqual(got, Buffer.alloc(70 * KIB, 7), 'the records were written intact');
    assert.equal(isLeased(fetchedRecords), false, 'the written records went back to the pool');
    // The Metadata frame took the free 128 KiB buffer the Produce frame left; were it
    // recycled too, the records' buffer would make 256 KiB free.
    assert.equal(pool.pooledBytes, 128 * KIB, 'only the records, not the Metadata frame');
  });
});

describe('Connection request memory', () => {
  const MIB = 1024 * 1024;
  // 8 MiB: large frames may hold 7 MiB; a small one (up to 256 KiB) may use the rest.
  const memory = new RequestMemory(8 * MIB);
  let server: Server;
  let port = 0;
  const handled: number[] = [];
  const gates: Array<() => void> = [];

  const metadata: ApiHandler<typeof Metadata> = {
    api: Metadata,
    minVersion: 0,
    maxVersion: 12,
    async handle(req) {
      handled.push(req.topics?.length ?? 0);
      await new Promise<void>((resolve) => gates.push(resolve));
      return null;
    },
  };

  before(async () => {
    const registry = new HandlerRegistry().add(metadata);
    let id = 1;
    server = createServer((socket) => {
      new Connection({
        id: id++,
        socket,
        registry,
        logger: silentLogger(),
        limits: { requestSizeBytesMax: 16 * MIB, inflightRequestsMax: 10 },
        listenerName: 'PLAINTEXT',
        onClose: () => {},
        requestMemory: memory,
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  after(() => {
    server.close();
  });

  async function connectClient(): Promise<Socket> {
    const socket = new Socket();
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return socket;
  }

  function metadataFrame(topicCount: number): Buffer {
    const topics = Array.from({ length: topicCount }, (_, i) => ({ name: `t-${i}`.padEnd(48) }));
    return encodeRequest(Metadata, 4, 1, {
      topics,
      allowAutoTopicCreation: false,
    } as unknown as RequestOf<typeof Metadata>);
  }

  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      assert.ok(Date.now() < deadline, 'timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('holds a large frame that does not fit, serves small ones, and returns every byte', async () => {
    const large = metadataFrame(100_000); // about 5 MiB
    assert.ok(large.length > 4 * MIB && large.length < 6 * MIB);
    const a = await connectClient();
    const b = await connectClient();
    const c = await connectClient();
    a.write(large);
    await until(() => handled.length === 1);
    assert.equal(memory.used, large.length - 4);
    b.write(large);
    await until(() => memory.waiting === 1);
    c.write(metadataFrame(10));
    await until(() => handled.length === 2);
    assert.deepEqual(handled, [100_000, 10], 'the small request went ahead of the waiting one');
    gates.shift()!();
    await until(() => handled.length === 3);
    assert.equal(memory.waiting, 0, 'answering the first admitted the second');
    for (const g of gates.splice(0)) g();
    for (const s of [a, b, c]) s.destroy();
    await until(() => memory.used === 0);
  });

  it('gives back the memory of a frame cut off by its connection closing', async () => {
    const large = metadataFrame(100_000);
    const a = await connectClient();
    a.write(large.subarray(0, 2 * MIB));
    await until(() => memory.used === large.length - 4);
    a.destroy();
    await until(() => memory.used === 0);
    assert.equal(handled.length, 3, 'the cut frame reached no handler');
  });
});
