import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultLogConfig, validateLogConfig } from './log-config.ts';

describe('LogConfig', () => {
  it("defaults to Kafka's topic defaults", () => {
    assert.equal(defaultLogConfig.segmentBytes, 1_073_741_824);
    assert.equal(defaultLogConfig.retentionMs, 604_800_000);
    assert.equal(defaultLogConfig.indexIntervalBytes, 4096);
    validateLogConfig(defaultLogConfig);
  });

  it('names the Kafka property of a value the disk format cannot hold', () => {
    assert.throws(
      () => validateLogConfig({ ...defaultLogConfig, segmentBytes: 2 ** 31 }),
      /segment\.bytes/,
    );
    assert.throws(
      () => validateLogConfig({ ...defaultLogConfig, retentionMs: -2 }),
      /retention\.ms/,
    );
    assert.throws(
      () => validateLogConfig({ ...defaultLogConfig, segmentIndexBytes: 8 }),
      /segment\.index\.bytes/,
    );
  });
});
