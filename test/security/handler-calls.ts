// Calls a broker's handler directly, as a chosen principal: what the
// authorization matrix uses to try every API as many principals without a
// login each, and what tests use to set things up as a super user. Tests of
// what a client meets log in over SASL instead (acl-clients.test.ts).

import assert from 'node:assert/strict';
import type { HandlerRegistry, RequestContext, ResponseOf } from '../../src/api/handler.ts';
import type { ApiDef } from '../../src/protocol/schema.ts';
import { userPrincipal } from '../../src/security/principal.ts';
import { requestAt } from './message-fill.ts';

export async function callAs<A extends ApiDef>(
  handlers: HandlerRegistry,
  user: string,
  api: A,
  version: number,
  partial: Record<string, unknown>,
): Promise<ResponseOf<A>> {
  const h = handlers.get(api.apiKey);
  assert.ok(h !== undefined, `no handler for ${api.name}`);
  const ctx: RequestContext = {
    apiKey: api.apiKey,
    apiVersion: version,
    correlationId: 1,
    clientId: 'handler-call',
    connectionId: 1,
    remoteAddress: '127.0.0.1:1',
    listenerName: 'PLAINTEXT',
    principal: userPrincipal(user),
    clientAddress: '127.0.0.1',
  };
  return (await h.handle(requestAt(api, version, partial), ctx)) as ResponseOf<A>;
}
