// DescribeConfigs handler (key 32), versions 0-4.
// Behaviour: topics (resource type 2) show every topic key with its value and
// where it came from (a topic override, a dynamic broker value, the broker's
// static setting, or the default), brokers (type 4) every broker key with its
// source (the cluster default resource: the dynamic defaults set); synonyms are included when
// asked (v1+) and documentation when asked (v3+). As in Kafka, a broker
// resource is answered only by that broker (or for the empty name, the
// cluster default); broker loggers (type 8) are not supported yet and get
// INVALID_REQUEST. A null or empty list of names asks for every key (Kafka's
// ConfigHelper, all versions); unknown names are left out.
// Version notes: v1 synonyms and config source; v3 type and documentation;
// v4 flexible.

import type { ConfigEntry } from '../config/config-entry.ts';
import { CONFIG_SOURCE_IDS, CONFIG_TYPE_IDS } from '../config/config-entry.ts';
import { describeTopicConfig } from '../config/topic-config.ts';
import { DescribeConfigs } from '../protocol/apis/describe-configs.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeConfigs>;
type ResultOut = Response['results'][number];
type ConfigOut = ResultOut['configs'][number];

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

export function configEntriesOut(
  entries: readonly ConfigEntry[],
  includeSynonyms: boolean,
  includeDocumentation: boolean,
): ConfigOut[] {
  return entries.map((e) => ({
    name: e.name,
    value: e.isSensitive ? null : e.value,
    readOnly: e.readOnly,
    isDefault: e.source === 'DEFAULT_CONFIG',
    configSource: CONFIG_SOURCE_IDS[e.source],
    isSensitive: e.isSensitive,
    synonyms: includeSynonyms
      ? e.synonyms.map((s) => ({
          name: s.name,
          value: s.value,
          source: CONFIG_SOURCE_IDS[s.source],
        }))
      : [],
    configType: CONFIG_TYPE_IDS[e.type],
    documentation: includeDocumentation ? e.documentation : null,
  }));
}

export function describeConfigsHandler(s: BrokerServices): ApiHandler<typeof DescribeConfigs> {
  function one(
    r: RequestOf<typeof DescribeConfigs>['resources'][number],
    synonyms: boolean,
    docs: boolean,
  ): ResultOut {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    // As Kafka's ConfigHelper, at every version: an empty list of names means all, like null.
    const keys = r.configurationKeys;
    const names = keys === null || keys.length === 0 ? null : keys;
    if (r.resourceType === RESOURCE_TOPIC) {
      if (s.image.topic(r.resourceName) === undefined) {
        return {
          ...base,
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `Topic '${r.resourceName}' does not exist.`,
          configs: [],
        };
      }
      const entries = describeTopicConfig(s.config, s.image.topicConfig(r.resourceName), { names });
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        configs: configEntriesOut(entries, synonyms, docs),
      };
    }
    if (r.resourceType === RESOURCE_BROKER) {
      if (r.resourceName !== '' && r.resourceName !== String(s.nodeId)) {
        return {
          ...base,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Unexpected broker id, expected ${s.nodeId} but received ${r.resourceName}`,
          configs: [],
        };
      }
      const entries =
        r.resourceName === '' ? s.config.defaultEntries({ names }) : s.config.entries({ names });
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        configs: configEntriesOut(entries, synonyms, docs),
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Unsupported resource type ${r.resourceType}`,
      configs: [],
    };
  }

  return {
    api: DescribeConfigs,
    minVersion: 0,
    maxVersion: 4,
    handle(req: RequestOf<typeof DescribeConfigs>, ctx: RequestContext): Response {
      const synonyms = ctx.apiVersion >= 1 && req.includeSynonyms;
      const docs = ctx.apiVersion >= 3 && req.includeDocumentation;
      return { throttleTimeMs: 0, results: req.resources.map((r) => one(r, synonyms, docs)) };
    },
  };
}
