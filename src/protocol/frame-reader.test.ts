import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameReader } from './frame-reader.ts';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

function payload(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (seed + i) % 251));
}

describe('FrameReader', () => {
  it('frames a stream cut at any point, whatever the chunking', () => {
    const payloads = [payload(10, 1), payload(1, 2), payload(3000, 3), payload(7, 4)];
    const stream = Buffer.concat(payloads.map(frame));
    for (const cut of [1, 3, 4, 5, 64, 1000]) {
      const reader = new FrameReader(1 << 20);
      const got: Buffer[] = [];
      for (let at = 0; at < stream.length; at += cut) {
        got.push(...reader.push(stream.subarray(at, at + cut)));
      }
      assert.deepEqual(got, payloads, `chunks of ${cut}`);
      assert.equal(reader.bufferedBytes, 0);
    }
  });

  it('copies a frame spread over chunks into a buffer from its allocator', () => {
    const asked: number[] = [];
    const target = Buffer.alloc(5000);
    const reader = new FrameReader(1 << 20, (size) => {
      asked.push(size);
      return target.subarray(0, size);
    });
    const big = payload(3000, 9);
    const small = payload(20, 5);
    const stream = Buffer.concat([frame(small), frame(big)]);
    const first = reader.push(stream.subarray(0, 1000));
    assert.deepEqual(first, [small], 'a frame inside one chunk is a view, not allocated');
    const [got] = reader.push(stream.subarray(1000));
    assert.deepEqual(got, big);
    assert.ok(got!.buffer === target.buffer, 'copied into the allocated buffer');
    assert.deepEqual(asked, [3000]);
  });

  it('refuses a size outside the limit before allocating and ignores what follows', () => {
    let allocations = 0;
    const reader = new FrameReader(100, (size) => {
      allocations += 1;
      return Buffer.alloc(size);
    });
    const ok = payload(50, 1);
    const frames = reader.push(Buffer.concat([frame(ok), frame(payload(101, 2))]));
    assert.deepEqual(frames, [ok]);
    assert.match(reader.error?.message ?? '', /frame size 101/);
    assert.deepEqual(reader.push(frame(ok)), []);
    assert.equal(allocations, 0);
  });

  it('asks for admission before keeping a frame, and holds it until granted', () => {
    const asked: number[] = [];
    let allow = false;
    let allocations = 0;
    const reader = new FrameReader(
      1 << 20,
      (size) => {
        allocations += 1;
        return Buffer.alloc(size);
      },
      (size) => {
        asked.push(size);
        return allow;
      },
    );
    const big = payload(3000, 7);
    const after = payload(10, 8);
    const stream = Buffer.concat([frame(big), frame(after)]);
    assert.deepEqual(reader.push(stream.subarray(0, 100)), []);
    assert.equal(reader.awaitingAdmission, 3000);
    assert.equal(reader.collectingBytes, 0);
    assert.equal(allocations, 0, 'nothing allocated for a frame not admitted');
    assert.deepEqual(reader.push(stream.subarray(100)), [], 'held, with what follows');
    allow = true;
    assert.deepEqual(reader.grant(), [big, after]);
    assert.equal(reader.awaitingAdmission, null);
    assert.deepEqual(asked, [3000, 3000, 10], 'asked again on new bytes, then for the next');
    assert.equal(reader.bufferedBytes, 0);
  });

  it('copies each chunk of an admitted frame in as it arrives', () => {
    const reader = new FrameReader(
      1 << 20,
      (size) => Buffer.alloc(size),
      () => true,
    );
    const big = payload(5000, 3);
    const stream = frame(big);
    assert.deepEqual(reader.push(stream.subarray(0, 1000)), []);
    assert.equal(reader.collectingBytes, 5000);
    assert.equal(reader.bufferedBytes, 996, 'the payload so far, held once');
    const [got] = reader.push(stream.subarray(1000));
    assert.deepEqual(got, big);
    assert.equal(reader.collectingBytes, 0);
  });
});
