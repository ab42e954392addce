import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ApiModule } from './api/api.module.js';
import { AuthModule } from './auth/auth.module.js';
import { StoreConfigEvents } from './config/store-config-events.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthController } from './health/health.controller.js';
import { BROKER_STATUS } from './health/broker-status.js';
import { INGEST_STATUS } from './health/ingest-status.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { HubMetrics } from './metrics/hub-metrics.js';
import { EventBus } from './events/event-bus.js';
import { PLUGIN_CATALOG } from './plugins/plugin-catalog.js';
import { PluginHost } from './plugins/plugin-host.js';
import { PluginsController } from './plugins/plugins.controller.js';
import { PushController } from './push/push.controller.js';
import { NoticeController } from './notice/notice.controller.js';
import { OptOutController } from './opt-out/opt-out.controller.js';
import { FixedDevicesController } from './fixed-devices/fixed-devices.controller.js';
import { FixedDevicesService } from './fixed-devices/fixed-devices.service.js';
import { MembersController } from './members/members.controller.js';
import { AuditController } from './audit/audit.controller.js';
import { MembersService } from './members/members.service.js';
import { MemberPresenceService } from './members/member-presence.service.js';
import { OptOutService } from './opt-out/opt-out.service.js';
import { PushRegistry } from './push/push-registry.js';
import { IngestPipeline } from './pipeline/ingest-pipeline.js';
import { StoreRuntime } from './pipeline/store-runtime.js';
import type { HubParts } from './hub-parts.js';
import { STORE_POLICY_VALIDATOR } from './api/common/store-policy-validator.js';
import { validateStorePolicyDocument } from './pipeline/store-policy.validator.js';
import { HubLifecycle } from './hub-lifecycle.js';
import { AggregationLifecycle } from './aggregation/aggregation.lifecycle.js';
import { AggregationController } from './aggregation/aggregation.controller.js';
import { LocalisationController } from './localisation/localisation.controller.js';
import { OccupancyController } from './occupancy/occupancy.controller.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { HUB_WEBHOOKS } from './webhooks/webhooks.tokens.js';

/**
 * Wiring only: the plain objects built in `createHub` are provided to Nest's controllers. Logic
 * lives in those objects, not here.
 */
@Module({})
export class HubModule {
  static forRoot(parts: HubParts): DynamicModule {
    const providers: Provider[] = [
      { provide: HubMetrics, useValue: parts.metrics },
      { provide: EventBus, useValue: parts.events },
      { provide: PluginHost, useValue: parts.host },
      { provide: PLUGIN_CATALOG, useValue: parts.host },
      { provide: PushRegistry, useValue: parts.push },
      { provide: IngestPipeline, useValue: parts.pipeline },
      { provide: StoreRuntime, useValue: parts.runtime },
      { provide: StoreConfigEvents, useValue: parts.configEvents },
      { provide: OptOutService, useValue: parts.optOut },
      { provide: MembersService, useValue: parts.members },
      { provide: MemberPresenceService, useValue: parts.presence },
      {
        provide: FixedDevicesService,
        useValue: new FixedDevicesService({
          dataSource: parts.dataSource,
          optOut: parts.optOut,
          configEvents: parts.configEvents,
        }),
      },
      { provide: BROKER_STATUS, useValue: parts.brokerStatus },
      { provide: INGEST_STATUS, useValue: parts.ingestStatus },
      { provide: 'HUB_PARTS', useValue: parts },
      { provide: STORE_POLICY_VALIDATOR, useValue: validateStorePolicyDocument },
      HubLifecycle,
      AggregationLifecycle,
      { provide: HUB_WEBHOOKS, useValue: parts.webhooks },
    ];
    return {
      module: HubModule,
      global: true,
      imports: [
        DatabaseModule.forDataSource(parts.dataSource),
        TerminusModule,
        AuthModule,
        ApiModule,
      ],
      controllers: [
        HealthController,
        MetricsController,
        PluginsController,
        PushController,
        NoticeController,
        OptOutController,
        FixedDevicesController,
        MembersController,
        AuditController,
        AggregationController,
        LocalisationController,
        OccupancyController,
        WebhooksController,
      ],
      providers,
      exports: [
        STORE_POLICY_VALIDATOR,
        HubMetrics,
        EventBus,
        PluginHost,
        PLUGIN_CATALOG,
        StoreConfigEvents,
        StoreRuntime,
        IngestPipeline,
      ],
    };
  }
}
