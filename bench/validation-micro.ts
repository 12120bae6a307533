// What produce validation costs per message, in one process and without the
// network: the batch a kcat producer sends in the produce benchmark (~1 MB,
// 1 KiB values) is checked the way the base commit checked it (header and
// CRC32C, checkBatch) and the way this branch does (validateProduceRecords:
// header, CRC, every record walked, timestamps), alternately, and the two
// are printed in ns per message with their ratio. Also a compressed batch
// (lz4, gzip) for information.
// Usage: node --import tsx bench/validation-micro.ts [rounds]

import {
  type ProduceValidationPolicy,
  validateProduceRecords,
} from '../src/protocol/batch-validation.ts';
import { CompressionType, checkBatch } from '../src/protocol/record-batch.ts';
import { validBatch } from '../test/harness/hostile-batches.ts';

const RECORDS = 970;
const VALUE_BYTES = 1024;

function policy(): ProduceValidationPolicy {
  return {
    nowMs: Date.now(),
    apiVersion: 7,
    timestampType: 'CreateTime',
    timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
    timestampAfterMaxMs: 3_600_000,
    keysRequired: false,
    compression: 'producer',
    gzipLevel: -1,
    zstdLevel: 3,
    messageBytesMax: 1_048_588,
    decompressedBytesMax: 100 << 20,
  };
}

async function time(iterations: number, work: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await work();
  return Number(process.hrtime.bigint() - t0) / iterations / RECORDS;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const plain = await validBatch(RECORDS, { valueBytes: VALUE_BYTES });
  const lz4 = await validBatch(RECORDS, { valueBytes: VALUE_BYTES, codec: CompressionType.Lz4 });
  const gzip = await validBatch(RECORDS, { valueBytes: VALUE_BYTES, codec: CompressionType.Gzip });
  const p = policy();
  const check = async (batch: Buffer) => {
    const v = await validateProduceRecords(batch, p);
    if (!v.ok) throw new Error(v.errorMessage);
  };
  const rows: Array<[string, number[]]> = [
    ['base: checkBatch (header + CRC), uncompressed', []],
    ['branch: validateProduceRecords, uncompressed', []],
    ['branch: validateProduceRecords, lz4', []],
    ['branch: validateProduceRecords, gzip', []],
  ];
  await time(200, () => checkBatch(plain, 0));
  await time(200, () => check(plain));
  for (let r = 0; r < rounds; r++) {
    rows[0]![1].push(await time(2000, () => checkBatch(plain, 0)));
    rows[1]![1].push(await time(2000, () => check(plain)));
    rows[2]![1].push(await time(200, () => check(lz4)));
    rows[3]![1].push(await time(100, () => check(gzip)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`batch: ${RECORDS} records of ${VALUE_BYTES} B (${plain.length} bytes)`);
  for (const [name, xs] of rows) {
    console.log(
      `${name}: median ${median(xs).toFixed(1)} ns/msg (runs ${xs.map((x) => x.toFixed(1)).join(', ')})`,
    );
  }
  const extra = median(rows[1]![1]) - median(rows[0]![1]);
  console.log(`validation adds ${extra.toFixed(1)} ns per uncompressed 1 KiB message`);
}

await main();
