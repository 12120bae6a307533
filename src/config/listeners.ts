// Parsing of Kafka's listener syntax: `listeners` and `advertised.listeners` entries of the
// form NAME://host:port, and `listener.security.protocol.map` entries NAME:PROTOCOL. Pure
// text-to-value functions that return an error reason instead of throwing, so config-def can
// use them as validators and broker-config can add the key and source to the message.

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** A listener entry before its security protocol is looked up. */
export interface ListenerAddress {
  /** Upper-cased, as Kafka normalises listener names. */
  readonly name: string;
  /** '' means every interface (bind) or "this machine's host name" (advertise). */
  readonly host: string;
  /** 0..65535; 0 binds a free port chosen by the operating system. */
  readonly port: number;
}

export interface Listener extends ListenerAddress {
  readonly securityProtocol: SecurityProtocol;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const LISTENER_PATTERN = /^([A-Za-z0-9_-]+):\/\/(\[[0-9A-Fa-f:.%A-Za-z]*\]|[A-Za-z0-9._-]*):(\d+)$/;
const PORT_MAX = 65535;

export function isSecurityProtocol(text: string): text is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(text);
}

/** Parses one `NAME://host:port`; IPv6 hosts are written in brackets and returned without. */
export function parseListenerAddress(text: string): ParseResult<ListenerAddress> {
  const match = LISTENER_PATTERN.exec(text.trim());
  if (match === null) {
    return { ok: false, reason: `'${text}' is not of the form NAME://host:port` };
  }
  const [, name = '', rawHost = '', rawPort = ''] = match;
  const port = Number(rawPort);
  if (!Number.isSafeInteger(port) || port > PORT_MAX) {
    return { ok: false, reason: `port ${rawPort} in '${text}' is outside 0..${PORT_MAX}` };
  }
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  return { ok: true, value: { name: name.toUpperCase(), host, port } };
}

/** Parses a list of listener entries and rejects a listener name used twice. */
export function parseListenerList(items: readonly string[]): ParseResult<ListenerAddress[]> {
  const result: ListenerAddress[] = [];
  const names = new Set<string>();
  for (const item of items) {
    const parsed = parseListenerAddress(item);
    if (!parsed.ok) return parsed;
    if (names.has(parsed.value.name)) {
      return { ok: false, reason: `listener name ${parsed.value.name} appears more than once` };
    }
    names.add(parsed.value.name);
    result.push(parsed.value);
  }
  return { ok: true, value: result };
}

/** Parses `NAME:PROTOCOL` entries into a map keyed by upper-cased listener name. */
export function parseSecurityProtocolMap(
  items: readonly string[],
): ParseResult<ReadonlyMap<string, SecurityProtocol>> {
  const map = new Map<string, SecurityProtocol>();
  for (const item of items) {
    const [name = '', protocol = '', extra] = item.split(':').map((part) => part.trim());
    if (name === '' || extra !== undefined) {
      return { ok: false, reason: `'${item}' is not of the form NAME:PROTOCOL` };
    }
    const upper = protocol.toUpperCase();
    if (!isSecurityProtocol(upper)) {
      return {
        ok: false,
        reason: `'${protocol}' is not one of ${SECURITY_PROTOCOLS.join(', ')}`,
      };
    }
    if (map.has(name.toUpperCase())) {
      return { ok: false, reason: `listener name ${name} is mapped more than once` };
    }
    map.set(name.toUpperCase(), upper);
  }
  return { ok: true, value: map };
}

/** The inverse of parseListenerAddress, for logs and DescribeConfigs. */
export function formatListener(listener: ListenerAddress): string {
  const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
  return `${listener.name}://${host}:${listener.port}`;
}
