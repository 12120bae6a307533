// Types of configuration values and the parsing and validation of one value from its text,
// with Kafka's ConfigDef semantics: text is trimmed, booleans are case-insensitive, ints are
// 32-bit, lists split on commas. Returns a reason instead of throwing so each caller can name
// the key and the source. int64 values become JS numbers; values beyond 2^53-1 (Kafka uses
// Long.MAX_VALUE for "never") are clamped to Number.MAX_SAFE_INTEGER, which is 285,000 years.

export const CONFIG_TYPES = [
  'boolean',
  'string',
  'int',
  'short',
  'long',
  'double',
  'list',
  'password',
] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

/** A parsed value: number for int/short/long/double, string[] for list, null when unset. */
export type ConfigValue = string | number | boolean | readonly string[] | null;

export type Validator =
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'oneOf'; readonly values: readonly string[] }
  | {
      readonly kind: 'custom';
      /** Shown in docs/configuration.md's "Valid values" column. */
      readonly description: string;
      /** Returns why the value is invalid, or null. Never called with null. */
      readonly check: (value: ConfigValue) => string | null;
    };

export type ValueResult =
  | { ok: true; value: ConfigValue; text: string }
  | { ok: false; reason: string };

export function atLeast(min: number): Validator {
  return { kind: 'range', min };
}

export function between(min: number, max: number): Validator {
  return { kind: 'range', min, max };
}

export function oneOf(...values: string[]): Validator {
  return { kind: 'oneOf', values };
}

export function custom(
  description: string,
  check: (value: ConfigValue) => string | null,
): Validator {
  return { kind: 'custom', description, check };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT16_MIN = -(2 ** 15);
const INT16_MAX = 2 ** 15 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_PATTERN = /^[+-]?\d+$/;
const DOUBLE_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses and validates `text` as `type`; the returned text is the normalised form. */
export function parseConfigValue(
  type: ConfigType,
  text: string,
  validator: Validator | undefined,
): ValueResult {
  const trimmed = text.trim();
  const parsed = parseType(type, trimmed);
  if (!parsed.ok) return parsed;
  const reason = validator === undefined ? null : validate(validator, parsed.value);
  if (reason !== null) return { ok: false, reason };
  const normal = Array.isArray(parsed.value) ? parsed.value.join(',') : trimmed;
  return { ok: true, value: parsed.value, text: normal };
}

function parseType(type: ConfigType, text: string): ValueResult {
  switch (type) {
    case 'boolean':
      return parseBoolean(text);
    case 'string':
    case 'password':
      return { ok: true, value: text, text };
    case 'int':
      return parseInteger(text, INT32_MIN, INT32_MAX, 'int');
    case 'short':
      return parseInteger(text, INT16_MIN, INT16_MAX, 'short');
    case 'long':
      return parseLong(text);
    case 'double':
      return parseDouble(text);
    case 'list':
      return { ok: true, value: text === '' ? [] : text.split(/\s*,\s*/), text };
  }
}

function parseBoolean(text: string): ValueResult {
  const lower = text.toLowerCase();
  if (lower === 'true') return { ok: true, value: true, text };
  if (lower === 'false') return { ok: true, value: false, text };
  return { ok: false, reason: 'expected true or false' };
}

function parseInteger(text: string, min: number, max: number, type: string): ValueResult {
  if (!INTEGER_PATTERN.test(text)) return { ok: false, reason: `not a number of type ${type}` };
  const value = Number(text);
  if (value < min || value > max) {
    return { ok: false, reason: `outside the range of type ${type} (${min}..${max})` };
  }
  return { ok: true, value, text };
}

function parseLong(text: string): ValueResult {
  if (!INTEGER_PATTERN.test(text)) return { ok: false, reason: 'not a number of type long' };
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) {
    return { ok: false, reason: 'outside the range of type long' };
  }
  const value = Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Number(big)));
  return { ok: true, value, text };
}

function parseDouble(text: string): ValueResult {
  const value = Number(text);
  if (!DOUBLE_PATTERN.test(text) || !Number.isFinite(value)) {
    return { ok: false, reason: 'not a number of type double' };
  }
  return { ok: true, value, text };
}

/** Returns why `value` fails `validator`, or null. Null values are never validated. */
export function validate(validator: Validator, value: ConfigValue): string | null {
  if (value === null) return null;
  switch (validator.kind) {
    case 'range':
      return validateRange(validator.min, validator.max, value);
    case 'oneOf':
      return validateOneOf(validator.values, value);
    case 'custom':
      return validator.check(value);
  }
}

function validateRange(min: number | undefined, max: number | undefined, value: ConfigValue) {
  if (typeof value !== 'number') return null;
  if (min !== undefined && value < min) return `value must be at least ${min}`;
  if (max !== undefined && value > max) return `value must be no more than ${max}`;
  return null;
}

function validateOneOf(values: readonly string[], value: ConfigValue): string | null {
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (typeof item !== 'string' || !values.includes(item)) {
      return `'${String(item)}' is not one of [${values.join(', ')}]`;
    }
  }
  return null;
}

/** The "Valid values" text for documentation, Kafka-style: [1,...], [0,...,1], [a, b]. */
export function describeValidator(validator: Validator | undefined): string {
  if (validator === undefined) return '';
  switch (validator.kind) {
    case 'range':
      if (validator.max === undefined) return `[${validator.min ?? ''},...]`;
      if (validator.min === undefined) return `[...,${validator.max}]`;
      return `[${validator.min},...,${validator.max}]`;
    case 'oneOf':
      return `[${validator.values.join(', ')}]`;
    case 'custom':
      return validator.description;
  }
}

/** The DescribeConfigs text of a computed value (one not read from text). */
export function formatConfigValue(value: ConfigValue): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}
