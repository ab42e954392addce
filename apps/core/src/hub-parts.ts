import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { PseudonymKeyring } from '@aisle/ingest';
import type { SightingWriter } from '@aisle/persistence';
import type { Subject } from 'rxjs';
import type { Clock, PositionUpdate } from '@aisle/sdk';
import type { AppConfig } from './config/app-config.js';
import type { StoreConfigEvents } from './config/store-config-events.js';
import type { EventBus } from './events/event-bus.js';
import type { BrokerStatus } from './health/broker-status.js';
import type { IngestStatus } from './health/ingest-status.js';
import type { HubMetrics } from './metrics/hub-metrics.js';
import type { IngestPipeline } from './pipeline/ingest-pipeline.js';
import type { StoreRuntime } from './pipeline/store-runtime.js';
import type { PluginHost } from './plugins/plugin-host.js';
import type { PushRegistry } from './push/push-registry.js';
import type { OptOutService } from './opt-out/opt-out.service.js';
import type { MembersService } from './members/members.service.js';
import type { MemberPresenceService } from './members/member-presence.service.js';
import type { SensitiveZoneScrubber } from './pipeline/sensitive-zone-scrubber.js';
import type { LocalisationService } from './localisation/localisation.service.js';
import type { AggregationService } from './aggregation/aggregation.service.js';
import type { WifiOccupancyService } from './occupancy/wifi-occupancy.service.js';
import type { HubWebhooks } from './webhooks/hub-webhooks.js';

/** The hub's plain parts, built outside Nest and handed to the module for wiring. */
export interface HubParts {
  config: AppConfig;
  logger: Logger;
  clock: Clock;
  dataSource: DataSource;
  metrics: HubMetrics;
  events: EventBus;
  host: PluginHost;
  push: PushRegistry;
  keyring: PseudonymKeyring;
  writer: SightingWriter;
  pipeline: IngestPipeline;
  runtime: StoreRuntime;
  configEvents: StoreConfigEvents;
  optOut: OptOutService;
  members: MembersService;
  /** Members' own presence reports and the coupon decisions they lead to. */
  presence: MemberPresenceService;
  /** Deletes the sightings behind positions in sensitive zones; knows which zones are sensitive. */
  sensitiveZones: SensitiveZoneScrubber;
  /** Radio sightings → positions (into `positions`), reference-beacon calibration, coverage. */
  localisation: LocalisationService;
  brokerStatus: BrokerStatus;
  /** Backlog, spill file and unacknowledged messages of ingest (for /health and /metrics). */
  ingestStatus: IngestStatus;
  /**
   * Positions out of localisation, for aggregation, the positions API and policy modules. The
   * localisation engine publishes into it; nothing else does.
   */
  positions: Subject<PositionUpdate>;
  /** Visits, dwell, footfall, occupancy and rollups from positions and camera counts. */
  aggregation: AggregationService;
  /** Live people estimate per store from Wi-Fi probe sightings (in memory only). */
  occupancy: WifiOccupancyService;
  /** Webhook subscriptions, outbox and dispatcher. */
  webhooks: HubWebhooks;
}
