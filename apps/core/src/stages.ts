// The running hub's stages and hand-offs, for `hub.get(...)` in tests and tools.
export * from './contracts/index.js';
export { StoreDirectory, type StoreConfigChange } from './stores/store-directory.js';
export type { StoreChanged, StoreSnapshot } from './stores/store-snapshot.js';
export { IngestPipeline } from './ingest/ingest-pipeline.js';
export { IngestRuntime } from './ingest/ingest-runtime.js';
export { OptOutService } from './ingest/opt-out/opt-out.service.js';
export { PluginHost } from './plugins/plugin-host.js';
export {
  PolicyModuleHost,
  POLICY_EVENT_TIMEOUT_MS,
  POLICY_HOOK_BUDGET_MS,
} from './plugins/policy-module-host.js';
export { LocalisationService } from './localisation/localisation.service.js';
export { SensitiveZoneScrubber } from './localisation/sensitive-zone-scrubber.js';
export { AggregationService } from './aggregation/aggregation.service.js';
export { WifiOccupancyService } from './occupancy/wifi-occupancy.service.js';
export { EventBus } from './events/event-bus.js';
export { MembersService } from './policy/members/members.service.js';
export { MemberPresenceService } from './policy/members/member-presence.service.js';
export { RetentionService } from './retention/retention.service.js';
export { ConfigFileApplier } from './config-file/config-file-applier.js';
export { loadConfigFile } from './config-file/config-file.js';
export { ConfigFileError } from './config-file/config-file.errors.js';
