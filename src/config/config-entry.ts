// The shapes DescribeConfigs answers with, shared by broker and topic configuration: an entry
// per key with its value, where the value came from (Kafka's ConfigSource), sensitivity,
// read-only flag, type and documentation, plus its synonyms in Kafka's order. Also the wire
// ids of sources and types, so api/ maps them without its own table.

import type { ConfigType } from './config-value.ts';

export type ConfigSource =
  | 'UNKNOWN'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG';

/** DescribeConfigsResponse ConfigSource ids (v1+). */
export const CONFIG_SOURCE_IDS: Readonly<Record<ConfigSource, number>> = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
};

/** DescribeConfigsResponse ConfigType ids (v3+). */
export const CONFIG_TYPE_IDS: Readonly<Record<ConfigType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  password: 9,
};

export interface ConfigSynonym {
  readonly name: string;
  /** Null for sensitive keys. */
  readonly value: string | null;
  readonly source: ConfigSource;
}

export interface ConfigEntry {
  readonly name: string;
  /** The value as text; null when unset or sensitive. */
  readonly value: string | null;
  readonly source: ConfigSource;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
  readonly type: ConfigType;
  readonly documentation: string;
  /** Highest priority first; the first one, if any, is where `value` came from. */
  readonly synonyms: readonly ConfigSynonym[];
}
