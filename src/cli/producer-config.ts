// Kafka producer properties (acks, compression.type, linger.ms, ...) as given
// with --producer-property or --producer-props, turned into ProducerOptions.
// Bad values are refused in Kafka's ConfigException wording; names this
// producer does not know are returned so the tool can warn, as Kafka does.

import { type Acks, CompressionType, type ProducerOptions } from '../client/producer.ts';
import { UsageError } from './tool-support.ts';

export interface ProducerSettings {
  readonly options: ProducerOptions;
  readonly clientId: string | null;
  readonly requestTimeoutMs: number | null;
  /** Property names this producer ignores. */
  readonly unknown: readonly string[];
}

const COMPRESSION: Readonly<Record<string, CompressionType>> = {
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

const ACKS: Readonly<Record<string, Acks>> = { all: -1, '-1': -1, '0': 0, '1': 1 };

const NUMERIC: Readonly<Record<string, keyof ProducerOptions>> = {
  'linger.ms': 'lingerMs',
  'batch.size': 'batchSizeBytes',
  'max.block.ms': 'maxBlockMs',
  'delivery.timeout.ms': 'deliveryTimeoutMs',
  'buffer.memory': 'bufferMemoryBytes',
  'max.in.flight.requests.per.connection': 'maxInFlightPerBroker',
};

function invalid(value: string, name: string, why: string): UsageError {
  return new UsageError(`Invalid value ${value} for configuration ${name}: ${why}`);
}

export function compressionType(value: string, name = 'compression.type'): CompressionType {
  const c = COMPRESSION[value.trim().toLowerCase()];
  if (c === undefined)
    throw invalid(value, name, 'String must be one of: none, gzip, snappy, lz4, zstd');
  return c;
}

export function producerSettings(props: ReadonlyMap<string, string>): ProducerSettings {
  const options: Record<string, unknown> = {};
  const unknown: string[] = [];
  let clientId: string | null = null;
  let requestTimeoutMs: number | null = null;
  for (const [name, value] of props) {
    if (name === 'acks') {
      const acks = ACKS[value.trim().toLowerCase()];
      if (acks === undefined) throw invalid(value, name, 'String must be one of: all, -1, 0, 1');
      options['acks'] = acks;
    } else if (name === 'compression.type') {
      options['compression'] = compressionType(value);
    } else if (name === 'client.id') {
      clientId = value;
    } else if (name === 'request.timeout.ms') {
      requestTimeoutMs = nonNegative(value, name);
    } else if (NUMERIC[name] !== undefined) {
      options[NUMERIC[name]] = nonNegative(value, name);
    } else if (name !== 'bootstrap.servers') {
      unknown.push(name);
    }
  }
  return { options: options as ProducerOptions, clientId, requestTimeoutMs, unknown };
}

function nonNegative(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) throw invalid(value, name, 'Not a number of type LONG');
  return Number(value);
}
