// Dynamic broker configs, as far as Gregor has them: only the replication
// throttle rates (leader.replication.throttled.rate and
// follower.replication.throttled.rate) may be changed at run time, per broker
// or as the cluster-wide default, because `reassign-partitions --throttle`
// sets them as Kafka's tool does. They live at `configs/broker/<id>` (the
// default at `configs/broker/<default>`), as Kafka keeps dynamic broker
// configs; every other broker key is static. Writes wait for the watch.

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { MetaStore } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { MetadataImage } from './metadata-image.ts';

/** The broker keys that may be altered at run time; every other one is static. */
export const DYNAMIC_BROKER_KEYS: ReadonlySet<string> = new Set([
  'leader.replication.throttled.rate',
  'follower.replication.throttled.rate',
]);

export interface BrokerConfigResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export class BrokerConfigAdmin {
  constructor(
    private readonly o: {
      readonly store: MetaStore;
      readonly keys: KeyLayout;
      readonly image: MetadataImage;
      readonly waitForRevision: (revision: number) => Promise<void>;
    },
  ) {}

  /** The overrides now stored for `name` (a broker id, or '' for the default). */
  current(name: string): Record<string, string> {
    return this.o.image.brokerConfig(name);
  }

  /** Replaces the overrides of `name`; refuses static keys and values that are not rates. */
  async set(
    name: string,
    configs: Record<string, string>,
    validateOnly: boolean,
  ): Promise<BrokerConfigResult> {
    const unchanged = this.current(name);
    const touched = [...new Set([...Object.keys(configs), ...Object.keys(unchanged)])].filter(
      (k) => configs[k] !== unchanged[k],
    );
    const statics = touched.filter((k) => !DYNAMIC_BROKER_KEYS.has(k));
    if (statics.length > 0)
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Broker configs are static in Gregor (only ${[...DYNAMIC_BROKER_KEYS].join(' and ')} may change at run time); change ${statics.join(', ')} in the properties file and restart.`,
      };
    for (const [k, v] of Object.entries(configs)) {
      if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v)))
        return {
          errorCode: ErrorCode.INVALID_CONFIG,
          errorMessage: `Invalid value ${v} for configuration ${k}: a rate in bytes/s (a whole number >= 0)`,
        };
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
    const key = this.o.keys.config('broker', name);
    const r =
      Object.keys(configs).length === 0
        ? await this.o.store.delete(key)
        : await this.o.store.put(key, JSON.stringify(configs));
    await this.o.waitForRevision(r.revision);
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }
}
