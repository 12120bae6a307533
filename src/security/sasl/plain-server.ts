// SASL/PLAIN (RFC 4616) on the broker: one client message `[authzid] NUL user NUL password`,
// checked against the configured users. Passwords are compared as SHA-256 digests with
// timingSafeEqual, and an unknown user costs the same comparison as a known one, so neither
// timing nor the message tells a client whether a user exists.

import { createHash, timingSafeEqual } from 'node:crypto';
import {
  failed,
  type SaslServerExchange,
  type SaslServerMechanism,
  type SaslStep,
} from './sasl-mechanism.ts';

/** Where PLAIN passwords come from (JAAS `user_<name>` options, a users file). */
export interface PlainUsers {
  /** The password of `user`, or null when there is no such user. */
  passwordOf(user: string): Promise<string | null>;
}

const INVALID = 'Authentication failed: Invalid username or password';
/** Compared against when the user is unknown, so that case takes the same time. */
const ABSENT_DIGEST = createHash('sha256').update('\u0000gregor-no-such-user').digest();

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function passwordMatches(given: string, expected: string | null): boolean {
  const target = expected === null ? ABSENT_DIGEST : digest(expected);
  const same = timingSafeEqual(digest(given), target);
  return same && expected !== null;
}

function splitMessage(token: Buffer): string[] | null {
  const text = token.toString('utf8');
  // Invalid UTF-8 would decode to U+FFFD and could alias another user: refuse it.
  if (!Buffer.from(text, 'utf8').equals(token)) return null;
  return text.split('\u0000');
}

class PlainExchange implements SaslServerExchange {
  readonly mechanism = 'PLAIN' as const;
  private done = false;

  constructor(private readonly users: PlainUsers) {}

  async step(token: Buffer): Promise<SaslStep> {
    if (this.done) return failed('Authentication failed: unexpected SASL/PLAIN message');
    this.done = true;
    const parts = splitMessage(token);
    if (parts === null || parts.length !== 3) {
      const count = parts === null ? 'invalid UTF-8' : `${parts.length} tokens`;
      return failed(`Invalid SASL/PLAIN response: expected 3 tokens, got ${count}`);
    }
    const [authzid = '', user = '', password = ''] = parts;
    if (user === '') return failed('Authentication failed: username not specified');
    if (password === '') return failed('Authentication failed: password not specified');
    const expected = await this.users.passwordOf(user);
    if (!passwordMatches(password, expected)) {
      return failed(INVALID, expected === null ? 'unknown user' : 'wrong password');
    }
    if (authzid !== '' && authzid !== user) {
      return failed(
        'Authentication failed: Client requested an authorization id that is different from username',
      );
    }
    return { kind: 'complete', token: Buffer.alloc(0), user, credentialExpiresAtMs: null };
  }
}

export function plainMechanism(users: PlainUsers): SaslServerMechanism {
  return { mechanism: 'PLAIN', start: () => new PlainExchange(users) };
}
