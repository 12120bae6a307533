import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, type ErrorCodeName, errorInfo, KafkaError } from './error-codes.ts';

describe('ErrorCode', () => {
  it('has the wire numbers clients depend on', () => {
    // Facts from Kafka's protocol guide; a renumbered entry breaks every client.
    const known: [ErrorCodeName, number][] = [
      ['UNKNOWN_SERVER_ERROR', -1],
      ['NONE', 0],
      ['OFFSET_OUT_OF_RANGE', 1],
      ['UNKNOWN_TOPIC_OR_PARTITION', 3],
      ['NOT_LEADER_OR_FOLLOWER', 6],
      ['REQUEST_TIMED_OUT', 7],
      ['COORDINATOR_LOAD_IN_PROGRESS', 14],
      ['NOT_COORDINATOR', 16],
      ['ILLEGAL_GENERATION', 22],
      ['UNKNOWN_MEMBER_ID', 25],
      ['REBALANCE_IN_PROGRESS', 27],
      ['TOPIC_AUTHORIZATION_FAILED', 29],
      ['UNSUPPORTED_VERSION', 35],
      ['TOPIC_ALREADY_EXISTS', 36],
      ['INVALID_REQUEST', 42],
      ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45],
      ['GROUP_ID_NOT_FOUND', 69],
      ['MEMBER_ID_REQUIRED', 79],
      ['FENCED_INSTANCE_ID', 82],
      ['PRODUCER_FENCED', 90],
      ['UNKNOWN_TOPIC_ID', 100],
      ['STALE_MEMBER_EPOCH', 113],
      ['TRANSACTION_ABORTABLE', 120],
    ];
    for (const [name, code] of known) assert.equal(ErrorCode[name], code, name);
  });

  it('covers every code from -1 to 127 except the unassigned 99, each once', () => {
    const codes = Object.values(ErrorCode) as number[];
    assert.equal(new Set(codes).size, codes.length, 'duplicate code');
    for (let c = -1; c <= 127; c++) {
      assert.equal(codes.includes(c), c !== 99, `code ${c}`);
    }
  });
});

describe('errorInfo', () => {
  it('finds each entry by number with its own name', () => {
    for (const [name, code] of Object.entries(ErrorCode)) {
      const info = errorInfo(code);
      assert.ok(info, `no info for ${code}`);
      assert.equal(info.name, name);
      assert.equal(info.code, code);
      assert.ok(info.message.length > 0, `empty message for ${name}`);
    }
  });

  it('returns undefined for unassigned numbers', () => {
    assert.equal(errorInfo(99), undefined);
    assert.equal(errorInfo(-2), undefined);
    assert.equal(errorInfo(1000), undefined);
    assert.equal(errorInfo(1.5), undefined);
  });

  it('marks retriable codes as Kafka 3.9 does', () => {
    const retriable = [2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75];
    retriable.push(78, 80, 83, 84, 88, 89, 100, 103, 106, 122, 123);
    for (const code of Object.values(ErrorCode)) {
      assert.equal(errorInfo(code)?.retriable, retriable.includes(code), `code ${code}`);
    }
    assert.equal(errorInfo(ErrorCode.NOT_LEADER_OR_FOLLOWER)?.retriable, true);
    assert.equal(errorInfo(ErrorCode.TOPIC_AUTHORIZATION_FAILED)?.retriable, false);
    assert.equal(errorInfo(ErrorCode.REBALANCE_IN_PROGRESS)?.retriable, false);
    assert.equal(errorInfo(ErrorCode.NONE)?.retriable, false);
  });
});

describe('KafkaError', () => {
  it('carries the code, the table message by default, and the flags', () => {
    const e = new KafkaError(ErrorCode.NOT_COORDINATOR);
    assert.ok(e instanceof Error);
    assert.equal(e.code, 16);
    assert.equal(e.name, 'KafkaError');
    assert.equal(e.errorName, 'NOT_COORDINATOR');
    assert.equal(e.message, errorInfo(16)?.message);
    assert.equal(e.retriable, true);
  });

  it('keeps a caller-supplied message', () => {
    const e = new KafkaError(ErrorCode.INVALID_REQUEST, 'group id is empty');
    assert.equal(e.message, 'group id is empty');
    assert.equal(e.retriable, false);
  });
});
