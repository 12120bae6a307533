// DescribeUserScramCredentials (50) and AlterUserScramCredentials (51) on the wire: golden
// bytes worked out by hand from Kafka's message specs (flexible from v0: compact arrays,
// strings and bytes, a null user list as length 0, a tag section after each struct).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertBytes, hex } from '../testing/wire-assertions.ts';
import {
  AlterUserScramCredentials,
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
} from './alter-user-scram-credentials.ts';
import {
  DescribeUserScramCredentials,
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
} from './describe-user-scram-credentials.ts';
import { ALL_APIS } from './index.ts';

describe('SCRAM credential APIs', () => {
  it('are keys 50 and 51, version 0, flexible, listed in ALL_APIS', () => {
    assert.equal(DescribeUserScramCredentials.apiKey, 50);
    assert.equal(AlterUserScramCredentials.apiKey, 51);
    assert.ok(ALL_APIS.includes(DescribeUserScramCredentials));
    assert.ok(ALL_APIS.includes(AlterUserScramCredentials));
  });

  it('DescribeUserScramCredentials request: a null list and one user', () => {
    assertBytes(DescribeUserScramCredentialsRequest, { users: null }, 0, hex('00 00'));
    assertBytes(
      DescribeUserScramCredentialsRequest,
      { users: [{ name: 'al' }] },
      0,
      hex('02 03616c 00 00'),
    );
  });

  it('DescribeUserScramCredentials response: one user with one credential', () => {
    const response = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: [
        {
          user: 'al',
          errorCode: 0,
          errorMessage: null,
          credentialInfos: [{ mechanism: 1, iterations: 8192 }],
        },
      ],
    };
    const bytes = hex('00000000 0000 00 02', '03616c 0000 00 02 01 00002000 00 00', '00');
    assertBytes(DescribeUserScramCredentialsResponse, response, 0, bytes);
  });

  it('AlterUserScramCredentials request and response', () => {
    const request = {
      deletions: [{ name: 'b', mechanism: 2 }],
      upsertions: [
        {
          name: 'a',
          mechanism: 1,
          iterations: 4096,
          salt: Buffer.from([1, 2]),
          saltedPassword: Buffer.from([3]),
        },
      ],
    };
    const bytes = hex('02 0262 02 00', '02 0261 01 00001000 030102 0203 00', '00');
    assertBytes(AlterUserScramCredentialsRequest, request, 0, bytes);
    const response = {
      throttleTimeMs: 0,
      results: [{ user: 'a', errorCode: 93, errorMessage: 'x' }],
    };
    assertBytes(
      AlterUserScramCredentialsResponse,
      response,
      0,
      hex('00000000 02 0261 005d 0278 00 00'),
    );
  });
});
