// ApiVersions handler (key 18), versions 0-4.
// Behaviour: the list is derived from the handler registry, so it advertises
// exactly what is implemented. An unsupported ApiVersions version never
// reaches here: the connection answers it at v0 with UNSUPPORTED_VERSION and
// the full list (KIP-511), so older clients can retry with a version we know.
// Version notes: v1 adds throttle time; v3 (KIP-511) is flexible and carries
// the client's software name and version; v4 fixes supported features only.

import { ApiVersions } from '../protocol/apis/api-versions.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { ApiHandler, HandlerRegistry, ResponseOf } from './handler.ts';

export function apiVersionsHandler(registry: HandlerRegistry): ApiHandler<typeof ApiVersions> {
  return {
    api: ApiVersions,
    minVersion: 0,
    maxVersion: 4,
    handle(): ResponseOf<typeof ApiVersions> {
      return {
        errorCode: ErrorCode.NONE,
        apiKeys: registry.supported(),
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1,
        finalizedFeatures: [],
        zkMigrationReady: false,
      };
    },
  };
}
