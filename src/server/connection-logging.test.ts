// What a connection logs when a handler throws (issue 12, item 9): a bug in
// Gregor (a TypeError) is an error line with its stack; a failure the world
// caused (a disk full, a store away) is a warn line with its message and code
// and no stack; both rate-limited per kind, with a summary counting the lines
// dropped. Real loopback sockets, a pino logger writing into an array.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ApiHandler, RequestOf } from '../api/handler.ts';
import { HandlerRegistry } from '../api/handler.ts';
import { ListGroups } from '../protocol/apis/list-groups.ts';
import { Metadata } from '../protocol/apis/metadata.ts';
import { codecFor } from '../protocol/codec.ts';
import { writeRequestHeader } from '../protocol/headers.ts';
import type { ApiDef } from '../protocol/schema.ts';
import { Writer } from '../protocol/writer.ts';
import { Connection } from './connection.ts';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly kind?: string;
  readonly suppressed?: number;
  readonly code?: string;
  readonly err?: { stack?: string };
}

function encodeRequest<A extends ApiDef>(api: A, version: number, body: RequestOf<A>): Buffer {
  const codec = codecFor(api.request).at(version);
  const w = new Writer();
  const setSize = w.reserveInt32();
  const header = { apiKey: api.apiKey, apiVersion: version, correlationId: 1, clientId: 'test' };
  writeRequestHeader(w, header, codec.flexible);
  codec.encode(w, body as never);
  setSize(w.length - 4);
  return w.toBuffer();
}

describe('Connection logging of failed requests', () => {
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  let server: Server;
  let port = 0;

  const buggy: ApiHandler<typeof Metadata> = {
    api: Metadata,
    minVersion: 0,
    maxVersion: 12,
    handle() {
      const missing = undefined as unknown as { partitions: number[] };
      return missing.partitions.length as never;
    },
  };
  const diskFull: ApiHandler<typeof ListGroups> = {
    api: ListGroups,
    minVersion: 0,
    maxVersion: 5,
    handle() {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  };

  before(async () => {
    const registry = new HandlerRegistry().add(buggy).add(diskFull);
    let id = 0;
    server = createServer((socket) => {
      new Connection({
        id: id++,
        socket,
        registry,
        logger,
        limits: { requestSizeBytesMax: 1 << 20, inflightRequestsMax: 10 },
        listenerName: 'PLAINTEXT',
        onClose: () => {},
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

  async function sendAndWaitClose(frame: Buffer): Promise<void> {
    const client = new Socket();
    client.connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.write(frame);
    client.resume();
    await once(client, 'close');
  }

  it('logs a bug with its stack and an operating failure without one, each rate-limited', async () => {
    const metadata = encodeRequest(Metadata, 4, {
      topics: [],
      allowAutoTopicCreation: false,
    } as unknown as RequestOf<typeof Metadata>);
    const listGroups = encodeRequest(ListGroups, 3, {} as RequestOf<typeof ListGroups>);
    for (let i = 0; i < 30; i++) {
      await sendAndWaitClose(metadata);
      await sendAndWaitClose(listGroups);
    }
    const bugs = lines.filter((l) => l.kind === `request-failed:${Metadata.apiKey}:bug`);
    const operating = lines.filter(
      (l) => l.kind === `request-failed:${ListGroups.apiKey}:operating`,
    );
    assert.equal(bugs.length, 10, 'ten per window, the other twenty counted');
    assert.equal(operating.length, 10);
    for (const l of bugs) {
      assert.equal(l.level, 50, 'error');
      assert.match(l.err?.stack ?? '', /TypeError: Cannot read properties of undefined/);
      assert.match(l.err?.stack ?? '', /connection-logging\.test\.ts/, 'where the bug is');
    }
    for (const l of operating) {
      assert.equal(l.level, 40, 'warn');
      assert.equal(l.err, undefined, 'no stack for a full disk');
      assert.equal(l.code, 'ENOSPC');
    }
  });
});
