// The mapping between configuration keys and environment variable names, the way Confluent's
// Kafka images do it: GREGOR_ + the key upper-cased, `.` -> `_`, `_` -> `__`, `-` -> `___`
// (GREGOR_LOG_DIRS is log.dirs). Also the few GREGOR_ variables that are not configuration
// keys and must not be rejected as unknown.

export const ENV_PREFIX = 'GREGOR_';

/**
 * GREGOR_ variables that are not configuration keys. GREGOR_LOG_LEVEL sets the logger's level
 * and GREGOR_LOG_FORMAT its format (the logger is not a Kafka property); GREGOR_FROM_SOURCE=1 makes bin/gregor run the
 * TypeScript sources instead of the dist/ bundle.
 */
export const ENV_ALLOW_LIST: readonly string[] = [
  'GREGOR_LOG_LEVEL',
  'GREGOR_LOG_FORMAT',
  'GREGOR_FROM_SOURCE',
  'GREGOR_ADD_SCRAM',
];

/** What each allowed non-key variable does, for docs/configuration.md. */
export const ENV_ALLOWED_MEANING: Readonly<Record<string, string>> = {
  GREGOR_LOG_LEVEL: "the logger's level, not a broker key",
  GREGOR_LOG_FORMAT:
    '`json` (one JSON object a line, for log collectors) or `pretty` (readable lines); unset: `pretty` when the output is a terminal, else `json`',
  GREGOR_ADD_SCRAM:
    '`gregor server --add-scram` values separated by `;`, kept out of the process list',
  GREGOR_FROM_SOURCE:
    '`1` makes `bin/gregor` run the TypeScript sources instead of the `dist/` bundle',
};

/**
 * Kubernetes injects `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT=tcp://...`,
 * `<SERVICE>_PORT_9092_TCP_ADDR` and the like for every Service with a cluster IP in the
 * namespace; a Service named `gregor` or `gregor-bootstrap` would otherwise stop every broker
 * from starting, as KAFKA_PORT once did for Kafka images. No Gregor key ends in these words.
 */
const KUBERNETES_SERVICE_LINK = new RegExp(
  '^GREGOR_([A-Z0-9_]+_)?' +
    '(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)$',
);
const KUBERNETES_SERVICE_PORT = /^GREGOR_([A-Z0-9_]+_)?PORT$/;
const KUBERNETES_SERVICE_URL = /^(tcp|udp|sctp):\/\//;

/** log.dirs -> GREGOR_LOG_DIRS; my_key.a-b -> GREGOR_MY__KEY_A___B. */
export function envNameForKey(key: string): string {
  const body = key.replace(/_/g, '__').replace(/-/g, '___').replace(/\./g, '_');
  return ENV_PREFIX + body.toUpperCase();
}

/** GREGOR_LOG_DIRS -> log.dirs; null when the name lacks the prefix. */
export function keyForEnvName(name: string): string | null {
  if (!name.startsWith(ENV_PREFIX)) return null;
  const body = name.slice(ENV_PREFIX.length);
  const tokens: Readonly<Record<string, string>> = { ___: '-', __: '_', _: '.' };
  return body.replace(/___|__|_/g, (token) => tokens[token] ?? token).toLowerCase();
}

/** True for GREGOR_ variables that are knowingly not configuration keys. */
export function isIgnoredEnvName(name: string, value: string): boolean {
  if (ENV_ALLOW_LIST.includes(name) || KUBERNETES_SERVICE_LINK.test(name)) return true;
  return KUBERNETES_SERVICE_PORT.test(name) && KUBERNETES_SERVICE_URL.test(value);
}
