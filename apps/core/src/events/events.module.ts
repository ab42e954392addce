import { Global, Module } from '@nestjs/common';
import type { AisleEvent, Clock } from '@aisle/sdk';
import type { HandOff } from '../contracts/hand-off.js';
import { DOMAIN_EVENTS } from '../contracts/hand-off.module.js';
import { CLOCK } from '../platform/platform.tokens.js';
import { EventBus } from './event-bus.js';

/**
 * The events stage: the internal bus (over the domain-event hand-off). Global: every stage may
 * publish; webhooks and policy subscribe.
 */
@Global()
@Module({
  providers: [
    {
      provide: EventBus,
      inject: [CLOCK, DOMAIN_EVENTS],
      useFactory: (clock: Clock, handOff: HandOff<AisleEvent>) => new EventBus(clock, handOff),
    },
  ],
  exports: [EventBus],
})
export class EventsModule {}
