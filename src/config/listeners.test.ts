// Listener syntax: NAME://host:port with empty hosts, IPv6 brackets and port 0, and the
// listener-name-to-protocol map.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatListener,
  parseListenerAddress,
  parseListenerList,
  parseSecurityProtocolMap,
} from './listeners.ts';

describe('parseListenerAddress', () => {
  it('parses an IPv4 host', () => {
    assert.deepEqual(parseListenerAddress('PLAINTEXT://127.0.0.1:19092'), {
      ok: true,
      value: { name: 'PLAINTEXT', host: '127.0.0.1', port: 19092 },
    });
  });

  it('parses an empty host as every interface', () => {
    assert.deepEqual(parseListenerAddress('PLAINTEXT://:9092'), {
      ok: true,
      value: { name: 'PLAINTEXT', host: '', port: 9092 },
    });
  });

  it('parses a bracketed IPv6 host and upper-cases the name', () => {
    assert.deepEqual(parseListenerAddress('internal://[::1]:0'), {
      ok: true,
      value: { name: 'INTERNAL', host: '::1', port: 0 },
    });
  });

  it('rejects a missing port, a bad port and a missing scheme', () => {
    for (const text of ['PLAINTEXT://host', 'PLAINTEXT://host:65536', 'host:9092', '']) {
      const parsed = parseListenerAddress(text);
      assert.equal(parsed.ok, false, text);
    }
  });

  it('formats back to the same text', () => {
    for (const text of ['PLAINTEXT://127.0.0.1:19092', 'SSL://:9093', 'X://[::1]:1']) {
      const parsed = parseListenerAddress(text);
      assert.ok(parsed.ok);
      assert.equal(formatListener(parsed.value), text);
    }
  });
});

describe('parseListenerList', () => {
  it('parses several listeners in order', () => {
    const parsed = parseListenerList(['PLAINTEXT://:9092', 'SSL://broker-0:9093']);
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.value.map((l) => [l.name, l.host, l.port]),
      [
        ['PLAINTEXT', '', 9092],
        ['SSL', 'broker-0', 9093],
      ],
    );
  });

  it('rejects a listener name used twice, whatever its case', () => {
    const parsed = parseListenerList(['PLAINTEXT://:9092', 'plaintext://:9093']);
    assert.equal(parsed.ok, false);
  });
});

describe('parseSecurityProtocolMap', () => {
  it('maps names case-insensitively to protocols', () => {
    const parsed = parseSecurityProtocolMap(['internal:plaintext', 'EXTERNAL:SASL_SSL']);
    assert.ok(parsed.ok);
    assert.equal(parsed.value.get('INTERNAL'), 'PLAINTEXT');
    assert.equal(parsed.value.get('EXTERNAL'), 'SASL_SSL');
  });

  it('rejects an unknown protocol and a malformed entry', () => {
    assert.equal(parseSecurityProtocolMap(['A:TLS']).ok, false);
    assert.equal(parseSecurityProtocolMap(['A']).ok, false);
    assert.equal(parseSecurityProtocolMap(['A:B:C']).ok, false);
  });
});
