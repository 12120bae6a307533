// The definition-driven protocol fuzzer, bounded for `npm test`: every API and
// version we define, field-aware mutations, against a live broker process for
// about 20 seconds. The broker must not exit, must close every connection whose
// frame it cannot decode, must log no line naming a bug of ours, must stay
// within a memory bound, and a healthy kafkajs producer and consumer must keep
// working throughout. The long runs use the same code (test/fuzz/protocol-fuzz.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport, runProtocolFuzz } from './protocol-fuzz.ts';

const SEED = Number(process.env['GREGOR_FUZZ_SEED'] ?? 20261207);
const SECONDS = Number(process.env['GREGOR_FUZZ_SECONDS'] ?? 20);

test(`protocol fuzz: every API and version, field-aware mutations, ${SECONDS} s (seed ${SEED})`, async () => {
  const r = await runProtocolFuzz({ seed: SEED, requests: 200_000, durationMs: SECONDS * 1000 });
  console.log(formatReport(r));
  assert.equal(r.brokerExited, null, `the broker exited; its log: ${r.brokerLogFile}`);
  assert.ok(r.sent >= 5000, `only ${r.sent} requests sent`);
  assert.ok(r.malformed > r.sent / 4, `only ${r.malformed} undecodable frames`);
  assert.ok(r.answered > 100, `only ${r.answered} answered`);
  assert.equal(r.apiVersionsCovered, r.apiVersionsTotal, 'every API version was fuzzed');
  assert.equal(r.hanging, 0, 'connections left open after a frame the broker cannot decode');
  assert.equal(r.brokerBugLines, 0, `broker logged bugs:\n${r.brokerErrorSamples.join('\n')}`);
  assert.ok(r.rssPeakBytes < 768 * 1024 * 1024, `broker RSS peaked at ${r.rssPeakBytes} bytes`);
  assert.ok(r.healthy.sent > 10, `healthy producer sent only ${r.healthy.sent}`);
  assert.equal(r.healthy.errors, 0, 'the healthy clients saw errors');
  assert.equal(r.healthy.received, r.healthy.sent, 'the healthy consumer missed messages');
});
