// The GREGOR_ environment variable naming, both directions, for every key, and the variables
// that are knowingly not keys.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BROKER_CONFIG_DEFS } from './config-def.ts';
import { envNameForKey, isIgnoredEnvName, keyForEnvName } from './env-names.ts';

describe('envNameForKey / keyForEnvName', () => {
  it('maps dots to single underscores and upper-cases', () => {
    assert.equal(envNameForKey('log.dirs'), 'GREGOR_LOG_DIRS');
    assert.equal(envNameForKey('advertised.listeners'), 'GREGOR_ADVERTISED_LISTENERS');
    assert.equal(keyForEnvName('GREGOR_LOG_DIRS'), 'log.dirs');
    assert.equal(
      keyForEnvName('GREGOR_LISTENER_SECURITY_PROTOCOL_MAP'),
      'listener.security.protocol.map',
    );
  });

  it('maps _ to __ and - to ___, as Confluent images do', () => {
    assert.equal(envNameForKey('a_b.c-d'), 'GREGOR_A__B_C___D');
    assert.equal(keyForEnvName('GREGOR_A__B_C___D'), 'a_b.c-d');
  });

  it('round-trips every broker key', () => {
    for (const def of BROKER_CONFIG_DEFS) {
      assert.equal(keyForEnvName(envNameForKey(def.name)), def.name, def.name);
    }
  });

  it('gives every broker key a distinct variable name', () => {
    const names = BROKER_CONFIG_DEFS.map((def) => envNameForKey(def.name));
    assert.equal(new Set(names).size, names.length);
  });

  it('returns null for names without the prefix', () => {
    assert.equal(keyForEnvName('KAFKA_LOG_DIRS'), null);
  });
});

describe('isIgnoredEnvName', () => {
  it('ignores the allow-listed logger variable', () => {
    assert.equal(isIgnoredEnvName('GREGOR_LOG_LEVEL', 'debug'), true);
    assert.equal(isIgnoredEnvName('GREGOR_LOG_FORMAT', 'pretty'), true);
  });

  it('ignores Kubernetes service-link variables of services named gregor...', () => {
    for (const name of [
      'GREGOR_SERVICE_HOST',
      'GREGOR_SERVICE_PORT',
      'GREGOR_SERVICE_PORT_KAFKA',
      'GREGOR_PORT_9092_TCP',
      'GREGOR_PORT_9092_TCP_ADDR',
      'GREGOR_BOOTSTRAP_SERVICE_HOST',
      'GREGOR_BOOTSTRAP_PORT_9092_TCP_PROTO',
    ]) {
      assert.equal(isIgnoredEnvName(name, '10.0.0.1'), true, name);
    }
    assert.equal(isIgnoredEnvName('GREGOR_PORT', 'tcp://10.0.0.1:9092'), true);
  });

  it('does not ignore a bare _PORT variable whose value is not a service URL, or real keys', () => {
    assert.equal(isIgnoredEnvName('GREGOR_PORT', '9092'), false);
    assert.equal(isIgnoredEnvName('GREGOR_LOG_DIRS', '/data'), false);
    assert.equal(isIgnoredEnvName('GREGOR_NUM_PARTITIONS', '3'), false);
  });

  it('never ignores the variable of a real broker key', () => {
    for (const def of BROKER_CONFIG_DEFS) {
      assert.equal(isIgnoredEnvName(envNameForKey(def.name), 'tcp://x:1'), false, def.name);
    }
  });
});
