// Turns what the etcd3 client throws into MetaStoreError codes, and converts etcd's
// wire values (int64 as decimal strings, keys and values as bytes) into ours with checks.
// The etcd backend's modules share these; nothing outside the etcd backend needs them.

import {
  ClientClosedError,
  EtcdLeaseInvalidError,
  GRPCDeadlineExceededError,
  GRPCInvalidArgumentError,
  type IKeyValue,
} from 'etcd3';
import { type KeyValue, type LeaseId, MetaStoreError } from './meta-store.ts';

export function toMetaStoreError(error: unknown, what: string): MetaStoreError {
  if (error instanceof MetaStoreError) return error;
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  const options = { cause: error };
  if (error instanceof GRPCDeadlineExceededError) {
    return new MetaStoreError('GREGOR_ERR_METADATA_TIMEOUT', message, options);
  }
  if (error instanceof EtcdLeaseInvalidError) {
    return new MetaStoreError('GREGOR_ERR_METADATA_LEASE_NOT_FOUND', message, options);
  }
  if (error instanceof GRPCInvalidArgumentError) {
    return new MetaStoreError('GREGOR_ERR_METADATA_INVALID_REQUEST', message, options);
  }
  if (error instanceof ClientClosedError) {
    return new MetaStoreError('GREGOR_ERR_METADATA_CLOSED', message, options);
  }
  // Unavailable, a broken circuit, a reset connection: the request may not have arrived.
  return new MetaStoreError('GREGOR_ERR_METADATA_UNAVAILABLE', message, options);
}

/** etcd sends int64 values as decimal strings; ours are checked safe integers. */
export function toSafeInteger(value: string, what: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new MetaStoreError(
      'GREGOR_ERR_METADATA_CORRUPT',
      `${what} ${value} is not a safe integer`,
    );
  }
  return parsed;
}

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: toSafeInteger(kv.create_revision, 'create_revision'),
    modRevision: toSafeInteger(kv.mod_revision, 'mod_revision'),
    version: toSafeInteger(kv.version, 'version'),
    lease: kv.lease === '0' || kv.lease === '' ? null : (kv.lease as LeaseId),
  };
}

/** The end of etcd's key range for a prefix: the prefix with its last byte below 0xff raised. */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  // An empty prefix, or all 0xff: "every key from here on" is the single byte 0.
  return Buffer.from([0]);
}

/** The [key, range_end) request fields selecting every key with `prefix`. */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  const key = Buffer.from(prefix, 'utf8');
  return { key: key.length === 0 ? Buffer.from([0]) : key, range_end: prefixRangeEnd(key) };
}
