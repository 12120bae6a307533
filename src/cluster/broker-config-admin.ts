// Writes dynamic broker configs to the metadata store (`configs/broker/<id>`, and
// `configs/broker/<default>` for the cluster-wide default), after checking them with
// config/'s rules, and waits until the change has come back through this broker's
// watch. Every broker applies what it sees through its watch (broker.ts), so a value
// set here reaches all of them, and a restarted broker reads it back at start-up.

import type { BrokerConfig } from '../config/broker-config.ts';
import { checkDynamicBrokerConfigs } from '../config/dynamic-broker-config.ts';
import type { KeyLayout } from '../metadata/key-layout.ts';
import type { MetaStore } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { MetadataImage } from './metadata-image.ts';

export interface BrokerConfigOutcome {
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
      /** This broker's configuration now (static sources under the dynamic values in force). */
      readonly config: () => BrokerConfig;
    },
  ) {}

  /** The dynamic values stored for broker `name` ('' for the cluster default). */
  current(name: string): Record<string, string> {
    return this.o.image.brokerConfig(name);
  }

  /** Replaces the dynamic values of broker `name` ('' for the default) with `next`. */
  async set(
    name: string,
    next: Record<string, string>,
    options: { readonly validateOnly: boolean },
  ): Promise<BrokerConfigOutcome> {
    if (name !== '' && !/^\d+$/.test(name)) {
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Broker id must be an integer or empty for the cluster default, got '${name}'`,
      };
    }
    const checked = checkDynamicBrokerConfigs(this.o.config(), name, next);
    if (!checked.ok) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: checked.message };
    if (options.validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
    const key = this.o.keys.config('broker', name);
    const written =
      Object.keys(next).length === 0
        ? await this.o.store.delete(key)
        : await this.o.store.put(key, JSON.stringify(next));
    await this.o.waitForRevision(written.revision);
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }
}
