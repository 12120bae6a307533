import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FixedRateMeter, type FixedRateOptions, toLatencyResult } from './fixed-rate.ts';
import { blankMessage, MessageKind, readStamp, writeIdentity, writeSentMs } from './stamp.ts';

const BASE: FixedRateOptions = {
  messageBytes: 64,
  ratePerSecond: 2_000,
  seconds: 0.5,
  warmupSeconds: 0.2,
  drainTimeoutMs: 300,
  readyTimeoutMs: 2_000,
};

/** A link that hands every message back after `delayMs`, `copies` times, except dropped ones. */
function loopback(
  meter: FixedRateMeter,
  delayMs: number,
  opts: { copies?: number; drop?: (i: number) => boolean } = {},
) {
  let index = 0;
  return (messages: Buffer[]): void => {
    const kept = messages.filter(() => !(opts.drop?.(index++) ?? false));
    setTimeout(() => {
      for (let c = 0; c < (opts.copies ?? 1); c++) for (const m of kept) meter.receive(m);
    }, delayMs);
  };
}

test('a stamp round-trips and foreign payloads are ignored', () => {
  const m = blankMessage(32);
  writeIdentity(m, 77, MessageKind.MEASURED);
  writeSentMs(m, 1234.5);
  assert.deepEqual(readStamp(m), { sentMs: 1234.5, sequence: 77, kind: MessageKind.MEASURED });
  assert.equal(readStamp(Buffer.alloc(8)), null);
  assert.equal(readStamp(Buffer.alloc(32, 0x78)), null);
  assert.throws(() => blankMessage(8));
});

test('sends at the rate, counts only the measured part and sees the link delay', async () => {
  const meter = new FixedRateMeter(BASE);
  const figures = await meter.run(loopback(meter, 20));
  // 0.7 s at 2000/s: 1400 sent, of which the last 0.5 s (~1000) measured.
  assert.equal(figures.sentMessages, 1_400);
  assert.equal(figures.receivedMessages, 1_400);
  assert.equal(figures.duplicateMessages, 0);
  // Measured by due time: exactly the messages due after the 0.2 s warm-up, however late a tick.
  assert.equal(figures.measuredMessages, 1_000);
  assert.ok(figures.p50Ms >= 19, `p50 ${figures.p50Ms}`);
  assert.ok(
    figures.maxMs >= figures.p999Ms &&
      figures.p999Ms >= figures.p99Ms &&
      figures.p99Ms >= figures.p50Ms,
  );
  assert.equal(figures.overloaded, false);
});

test('lost and duplicated messages are counted and said in the notes', async () => {
  const lossy = new FixedRateMeter(BASE);
  const lost = await lossy.run(loopback(lossy, 0, { drop: (i) => i % 10 === 5 }));
  assert.equal(
    lost.sentMessages - lost.receivedMessages,
    Math.floor(lost.sentMessages / 10) + (lost.sentMessages % 10 > 5 ? 1 : 0),
  );
  const result = toLatencyResult(lost, {
    system: 's',
    client: 'c',
    messageBytes: 64,
    acks: '1',
    ratePerSecond: 2_000,
  });
  assert.match(result.notes ?? '', /never arrived/);

  const doubled = new FixedRateMeter(BASE);
  const dup = await doubled.run(loopback(doubled, 0, { copies: 2 }));
  assert.equal(dup.duplicateMessages, dup.sentMessages);
  assert.equal(dup.receivedMessages, dup.sentMessages);
});

test('fails when the receiver never sees a probe, or when a send fails', async () => {
  const deaf = new FixedRateMeter({ ...BASE, readyTimeoutMs: 300 });
  await assert.rejects(
    deaf.run(() => undefined),
    /never saw a probe/,
  );
  const meter = new FixedRateMeter(BASE);
  let sends = 0;
  await assert.rejects(
    meter.run(async (messages) => {
      loopback(meter, 0)(messages);
      if (++sends > 50) throw new Error('broker gone');
    }),
    /broker gone/,
  );
});
