// Hands out producer ids for InitProducerId. Ids come from blocks reserved in
// the metadata store with a compare-and-set on one counter key, so ids stay
// unique across brokers and restarts without a write per producer.

import type { MetaStore } from '../metadata/meta-store.ts';

export const PRODUCER_ID_BLOCK_SIZE = 1000;

export class ProducerIdAllocator {
  private next = 0;
  private end = 0;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly store: MetaStore,
    private readonly counterKey: string,
  ) {}

  async allocate(): Promise<number> {
    while (this.next >= this.end) {
      this.pending ??= this.reserveBlock().finally(() => {
        this.pending = null;
      });
      await this.pending;
    }
    return this.next++;
  }

  private async reserveBlock(): Promise<void> {
    for (;;) {
      const kv = await this.store.get(this.counterKey);
      const start = kv === null ? 0 : Number(kv.value);
      const end = start + PRODUCER_ID_BLOCK_SIZE;
      const txn = await this.store.txn(
        [
          {
            key: this.counterKey,
            target: 'version',
            operator: '=',
            value: kv === null ? 0 : kv.version,
          },
        ],
        [{ type: 'put', key: this.counterKey, value: String(end) }],
      );
      if (txn.succeeded) {
        this.next = start;
        this.end = end;
        return;
      }
    }
  }
}
