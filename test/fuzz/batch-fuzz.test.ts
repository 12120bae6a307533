// The batch fuzzer (batch-campaign.ts), a bounded count for `npm test`:
// hostile Produce record sets from eight connections against a broker in its
// own process. No crash, no closed connection, only Kafka's validation
// answers, every partition online afterwards and every stored batch sound.
// Seeded: a failure prints the seed (GREGOR_FUZZ_SEED reproduces it). The
// long campaign is `npm run fuzz -- --requests 1000000`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { campaignClean, runCampaign } from './batch-campaign.ts';

const REQUESTS = 15_000;
const SEED = Number(process.env['GREGOR_FUZZ_SEED'] ?? 20261207);

test(`hostile batches: ${REQUESTS} produce requests leave every partition online (seed ${SEED})`, {
  timeout: 240_000,
}, async () => {
  const report = await runCampaign({ requests: REQUESTS, connections: 8, seed: SEED });
  const summary = {
    seed: report.seed,
    requests: report.requests,
    seconds: Math.round(report.elapsedMs / 1000),
    byCode: report.byCode,
    peakRssMiB: report.peakRssBytes >> 20,
    logBytes: report.logBytes,
    storedBatches: report.storedBatches,
  };
  console.log(`batch fuzz: ${JSON.stringify(summary)}`);
  assert.ok(campaignClean(report), JSON.stringify(report, null, 2));
  assert.equal(report.requests, REQUESTS);
  assert.ok((report.byCode['NONE'] ?? 0) > REQUESTS / 10, 'valid batches were accepted');
  assert.ok(report.storedBatches > 0, 'stored batches were read back');
  // Bounded memory: one broker, whatever it was sent (bombs claim 128 MiB and more).
  assert.ok(report.peakRssBytes < 512 * 1024 * 1024, `peak RSS ${report.peakRssBytes >> 20} MiB`);
});
