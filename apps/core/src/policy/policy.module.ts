import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { Clock } from '@aisle/sdk';
import { AuditLogService } from './audit/audit-log.service.js';
import { AuditController } from './audit/audit.controller.js';
import { EventBus } from '../events/event-bus.js';
import { EVENT_LOG, type TransactionalEventLog } from '../events/events.tokens.js';
import { MemberPresenceService } from './members/member-presence.service.js';
import { MembersController } from './members/members.controller.js';
import { MembersService } from './members/members.service.js';
import { NoticeController } from './notice/notice.controller.js';
import { CLOCK, LOGGER } from '../platform/platform.tokens.js';
import { POLICY_MODULES, type PolicyModuleHost } from '../plugins/policy-module-host.js';
import { StoreDirectory } from '../stores/store-directory.js';

/**
 * Stage 4a, policy: what a store tells and offers people. Loyalty members and their consent,
 * members' own presence reports and the coupon decisions they lead to (`coupon.issued`, written
 * with its row through `EVENT_LOG`), the public notice, and the audit log of those decisions.
 * Sees the store directory and the event bus; no path from sightings or positions.
 */
@Module({
  controllers: [MembersController, NoticeController, AuditController],
  providers: [
    {
      provide: MembersService,
      inject: [DataSource, CLOCK],
      useFactory: (dataSource: DataSource, clock: Clock) =>
        MembersService.open({ dataSource, clock }),
    },
    {
      provide: MemberPresenceService,
      inject: [
        DataSource,
        CLOCK,
        EventBus,
        EVENT_LOG,
        MembersService,
        StoreDirectory,
        LOGGER,
        POLICY_MODULES,
      ],
      useFactory: (
        dataSource: DataSource,
        clock: Clock,
        events: EventBus,
        outbox: TransactionalEventLog,
        members: MembersService,
        directory: StoreDirectory,
        logger: Logger,
        policyModules: PolicyModuleHost,
      ) => {
        const presence = new MemberPresenceService({
          dataSource,
          clock,
          events,
          outbox,
          members,
          directory,
          logger: logger.child({ context: 'presence' }),
          vetoOffer: (offer) => policyModules.vetoOffer(offer),
        });
        members.onForget((memberId) => presence.forget(memberId));
        return presence;
      },
    },
    {
      provide: AuditLogService,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new AuditLogService(dataSource),
    },
  ],
  exports: [MembersService, MemberPresenceService],
})
export class PolicyModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(MemberPresenceService) private readonly presence: MemberPresenceService) {}

  onApplicationBootstrap(): void {
    this.presence.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.presence.stop();
  }
}
