// Checks every MetaStore backend applies to a request before doing anything, so both
// backends refuse the same requests with the same error code, and the key order both
// backends share (etcd orders keys by their UTF-8 bytes). Pure functions, no I/O.

import { type Compare, MetaStoreError, type Op } from './meta-store.ts';

/** etcd's default --max-request-bytes (1.5 MiB); one request's keys and values together. */
export const requestSizeBytesMax = 1_572_864;

/** Keys and values must be well-formed UTF-16 so they survive the UTF-8 round trip. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalid(message: string): MetaStoreError {
  return new MetaStoreError('GREGOR_ERR_METADATA_INVALID_REQUEST', message);
}

/** Orders strings as etcd orders keys: by UTF-8 bytes, which is code point order. */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const unitA = a.charCodeAt(i);
    const unitB = b.charCodeAt(i);
    if (unitA === unitB) continue;
    // A surrogate starts a code point above U+FFFF, which sorts after every BMP character.
    const surrogateA = unitA >= 0xd800 && unitA <= 0xdfff;
    const surrogateB = unitB >= 0xd800 && unitB <= 0xdfff;
    if (surrogateA !== surrogateB) return surrogateA ? 1 : -1;
    return unitA - unitB;
  }
  return a.length - b.length;
}

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0)
    throw invalid('a key must be a non-empty string');
  if (LONE_SURROGATE.test(key)) throw invalid(`key ${JSON.stringify(key)} is not well-formed`);
}

export function checkPrefix(prefix: string, options: { allowEmpty: boolean }): void {
  if (typeof prefix !== 'string') throw invalid('a prefix must be a string');
  if (prefix.length === 0 && !options.allowEmpty) throw invalid('the prefix must not be empty');
  if (LONE_SURROGATE.test(prefix))
    throw invalid(`prefix ${JSON.stringify(prefix)} is not well-formed`);
}

export function checkValue(value: string): void {
  if (typeof value !== 'string') throw invalid('a value must be a string');
  if (LONE_SURROGATE.test(value)) throw invalid('value is not well-formed UTF-16');
}

export function checkRevision(revision: number, what: string): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw invalid(`${what} must be a non-negative safe integer, got ${revision}`);
  }
}

export function checkTtlMs(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw invalid(`a lease TTL must be a positive integer of milliseconds, got ${ttlMs}`);
  }
}

function checkCompare(compare: Compare): void {
  checkKey(compare.key);
  if (compare.target === 'value') {
    checkValue(compare.value);
  } else {
    checkRevision(compare.value, `compare ${compare.target}`);
  }
}

function checkOp(op: Op): number {
  switch (op.type) {
    case 'get':
    case 'delete':
      checkKey(op.key);
      return Buffer.byteLength(op.key);
    case 'put':
      checkKey(op.key);
      checkValue(op.value);
      return Buffer.byteLength(op.key) + Buffer.byteLength(op.value);
    case 'deletePrefix':
      checkPrefix(op.prefix, { allowEmpty: false });
      return Buffer.byteLength(op.prefix);
  }
}

/** etcd's rule: a branch may put a key once, and never inside a range it also deletes. */
function checkBranchWrites(ops: readonly Op[]): void {
  const putKeys = new Set<string>();
  for (const op of ops) {
    if (op.type !== 'put') continue;
    if (putKeys.has(op.key)) throw invalid(`key ${JSON.stringify(op.key)} is put twice in one txn`);
    putKeys.add(op.key);
  }
  for (const op of ops) {
    const hit =
      op.type === 'delete'
        ? putKeys.has(op.key)
        : op.type === 'deletePrefix' && [...putKeys].some((key) => key.startsWith(op.prefix));
    if (hit) throw invalid('a txn must not put a key that the same branch deletes');
  }
}

export function checkTxn(
  compares: readonly Compare[],
  success: readonly Op[],
  failure: readonly Op[],
): void {
  let sizeBytes = 0;
  for (const compare of compares) {
    checkCompare(compare);
    sizeBytes += Buffer.byteLength(compare.key);
  }
  for (const op of success) sizeBytes += checkOp(op);
  for (const op of failure) sizeBytes += checkOp(op);
  if (sizeBytes > requestSizeBytesMax) {
    throw invalid(`txn of ${sizeBytes} bytes exceeds requestSizeBytesMax ${requestSizeBytesMax}`);
  }
  checkBranchWrites(success);
  checkBranchWrites(failure);
}
