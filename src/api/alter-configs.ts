// AlterConfigs (key 33, versions 0-2) and IncrementalAlterConfigs (key 44,
// versions 0-1) handlers: change a topic's dynamic config overrides.
// Behaviour: AlterConfigs replaces the whole override set of a topic;
// IncrementalAlterConfigs applies SET (0), DELETE (1), APPEND (2) and
// SUBTRACT (3) to list keys. Values are validated as at topic creation
// (INVALID_CONFIG naming the key). Brokers (resource type 4) take dynamic broker
// configs: the name is a broker id, or empty for the cluster-wide default; only
// Kafka's dynamic keys are accepted (config/dynamic-broker-config.ts), others get
// INVALID_CONFIG with Kafka's message.
// Version notes: AlterConfigs v2 flexible; IncrementalAlterConfigs v1 flexible.

import { AlterConfigs } from '../protocol/apis/alter-configs.ts';
import { IncrementalAlterConfigs } from '../protocol/apis/incremental-alter-configs.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import { RESOURCE_BROKER, RESOURCE_TOPIC } from './describe-configs.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

const OP_SET = 0;
const OP_DELETE = 1;
const OP_APPEND = 2;
const OP_SUBTRACT = 3;

async function applyTopic(
  s: BrokerServices,
  topic: string,
  next: Record<string, string>,
  validateOnly: boolean,
): Promise<Outcome> {
  if (s.image.topic(topic) === undefined)
    return {
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: `Topic '${topic}' does not exist.`,
    };
  return s.topicAdmin.setTopicConfigs(topic, next, { validateOnly });
}

function unsupported(resourceType: number): Outcome | null {
  if (resourceType === RESOURCE_TOPIC || resourceType === RESOURCE_BROKER) return null;
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unsupported resource type ${resourceType}`,
  };
}

interface Resource {
  readonly resourceType: number;
  readonly resourceName: string;
}

/**
 * Answers each resource of an AlterConfigs-style request: refused types get
 * their error, topics get `merge(resource)` validated and written.
 */
async function alterEach<R extends Resource>(
  s: BrokerServices,
  resources: readonly R[],
  validateOnly: boolean,
  merge: (r: R) => Merged,
): Promise<Array<Outcome & Resource>> {
  const responses: Array<Outcome & Resource> = [];
  for (const r of resources) {
    const refused = unsupported(r.resourceType);
    let out: Outcome;
    if (refused !== null) out = refused;
    else {
      const merged = merge(r);
      if (!merged.ok) out = merged.outcome;
      else if (r.resourceType === RESOURCE_BROKER) {
        out = await s.brokerConfigs.set(r.resourceName, merged.configs, { validateOnly });
      } else out = await applyTopic(s, r.resourceName, merged.configs, validateOnly);
    }
    responses.push({ ...out, resourceType: r.resourceType, resourceName: r.resourceName });
  }
  return responses;
}

export function alterConfigsHandler(s: BrokerServices): ApiHandler<typeof AlterConfigs> {
  return {
    api: AlterConfigs,
    minVersion: 0,
    maxVersion: 2,
    async handle(req: RequestOf<typeof AlterConfigs>): Promise<ResponseOf<typeof AlterConfigs>> {
      // AlterConfigs replaces the whole override set.
      const responses = await alterEach(s, req.resources, req.validateOnly, (r) => {
        const configs: Record<string, string> = {};
        for (const c of r.configs) if (c.value !== null) configs[c.name] = c.value;
        return { ok: true, configs };
      });
      return { throttleTimeMs: 0, responses };
    },
  };
}

type Merged = { ok: true; configs: Record<string, string> } | { ok: false; outcome: Outcome };

function incremental(
  current: Record<string, string>,
  configs: RequestOf<typeof IncrementalAlterConfigs>['resources'][number]['configs'],
): Merged {
  const next = { ...current };
  for (const c of configs) {
    const list = (next[c.name] ?? '').split(',').filter((x) => x !== '');
    switch (c.configOperation) {
      case OP_SET:
        if (c.value === null)
          return {
            ok: false,
            outcome: {
              errorCode: ErrorCode.INVALID_CONFIG,
              errorMessage: `Null value for ${c.name}`,
            },
          };
        next[c.name] = c.value;
        break;
      case OP_DELETE:
        delete next[c.name];
        break;
      case OP_APPEND:
        next[c.name] = [
          ...list,
          ...(c.value ?? '').split(',').filter((x) => x !== '' && !list.includes(x)),
        ].join(',');
        break;
      case OP_SUBTRACT: {
        const drop = new Set((c.value ?? '').split(','));
        next[c.name] = list.filter((x) => !drop.has(x)).join(',');
        break;
      }
      default:
        return {
          ok: false,
          outcome: {
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: `Unknown config operation ${c.configOperation}`,
          },
        };
    }
  }
  return { ok: true, configs: next };
}

export function incrementalAlterConfigsHandler(
  s: BrokerServices,
): ApiHandler<typeof IncrementalAlterConfigs> {
  return {
    api: IncrementalAlterConfigs,
    minVersion: 0,
    maxVersion: 1,
    async handle(
      req: RequestOf<typeof IncrementalAlterConfigs>,
    ): Promise<ResponseOf<typeof IncrementalAlterConfigs>> {
      const responses = await alterEach(s, req.resources, req.validateOnly, (r) =>
        incremental(
          r.resourceType === RESOURCE_BROKER
            ? s.brokerConfigs.current(r.resourceName)
            : s.image.topicConfig(r.resourceName),
          r.configs,
        ),
      );
      return { throttleTimeMs: 0, responses };
    },
  };
}
