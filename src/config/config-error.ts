// The one error type for configuration problems the operator can fix: a bad value, an unknown
// key, a malformed properties file, keys that contradict each other. Each carries a stable
// string code (documented row by row in docs/errors.md), the key at fault and where the value
// came from, so start-up can print one precise line instead of a stack trace.

/** Stable codes; the text is the one-line meaning used by docs/errors.md. */
export const CONFIG_ERROR_CODES = {
  GREGOR_ERR_CONFIG_INVALID:
    'A configuration value does not parse as its type or is outside its valid values.',
  GREGOR_ERR_CONFIG_UNKNOWN:
    'A key from the properties file, an --override or a GREGOR_ environment variable ' +
    'is not a Gregor configuration key.',
  GREGOR_ERR_CONFIG_CONFLICT:
    'Two or more settings contradict each other ' +
    '(for example message.max.bytes larger than socket.request.max.bytes).',
  GREGOR_ERR_CONFIG_SYNTAX: 'The properties file or an --override argument is malformed.',
  GREGOR_ERR_CONFIG_FILE: 'The properties file cannot be read.',
  GREGOR_ERR_CONFIG_UNSUPPORTED:
    'A setting asks for something this version of Gregor does not do yet ' +
    '(a listener whose security protocol is SSL, SASL_PLAINTEXT or SASL_SSL).',
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERROR_CODES;

export interface ConfigErrorDetails {
  /** The configuration key at fault, when there is one. */
  readonly key?: string;
  /** Where the value came from: `server.properties:12`, `GREGOR_LOG_DIRS`, `--override`. */
  readonly where?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly key: string | null;
  readonly where: string | null;

  constructor(code: ConfigErrorCode, message: string, details: ConfigErrorDetails = {}) {
    super(message);
    this.code = code;
    this.key = details.key ?? null;
    this.where = details.where ?? null;
  }
}
