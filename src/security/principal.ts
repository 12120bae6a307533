// Who is on the other end of a connection, as Kafka names it: a principal type and a name
// (`User:alice`). PLAINTEXT connections and TLS connections without a client certificate are
// `User:ANONYMOUS`; SASL gives the authenticated user; a client certificate gives its mapped
// subject. The ACL authorizer reads this; nothing here decides what a principal may do.

export interface KafkaPrincipal {
  readonly type: 'User';
  readonly name: string;
}

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ type: 'User', name: 'ANONYMOUS' });

export function userPrincipal(name: string): KafkaPrincipal {
  return { type: 'User', name };
}

/** `User:alice`, as Kafka prints principals in ACLs and logs. */
export function formatPrincipal(principal: KafkaPrincipal): string {
  return `${principal.type}:${principal.name}`;
}
