import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { inProcessTransport, type HandOffTransport } from './hand-off.js';
import { DOMAIN_EVENT_SCHEMA, POSITION_SCHEMA, SIGHTING_SCHEMA } from './messages.js';
import { LOGGER } from '../platform/platform.tokens.js';

/** Hand-off of pseudonymised sightings: ingest → localisation, aggregation, occupancy. */
export const SIGHTINGS = Symbol('SIGHTINGS');
/** Hand-off of positions: localisation → aggregation. */
export const POSITIONS = Symbol('POSITIONS');
/** Hand-off of domain events (the internal event bus): → webhooks, policy. */
export const DOMAIN_EVENTS = Symbol('DOMAIN_EVENTS');
/** The {@link HandOffTransport} in use. */
export const HAND_OFF_TRANSPORT = Symbol('HAND_OFF_TRANSPORT');

/**
 * Provides one hand-off per contract. In process by default; give a `transport` to carry them
 * elsewhere (the stages do not change: they inject {@link SIGHTINGS}, {@link POSITIONS},
 * {@link DOMAIN_EVENTS} and see only the `HandOff` interface).
 */
@Global()
@Module({})
export class HandOffModule {
  static forRoot(options: { transport?: HandOffTransport } = {}): DynamicModule {
    return {
      module: HandOffModule,
      providers: [
        {
          provide: HAND_OFF_TRANSPORT,
          inject: [LOGGER],
          useFactory: (logger: Logger): HandOffTransport =>
            options.transport ??
            inProcessTransport((error, topic) =>
              logger.error({ topic }, `hand-off subscriber failed: ${(error as Error).message}`),
            ),
        },
        {
          provide: SIGHTINGS,
          inject: [HAND_OFF_TRANSPORT],
          useFactory: (t: HandOffTransport) => t.create(SIGHTING_SCHEMA),
        },
        {
          provide: POSITIONS,
          inject: [HAND_OFF_TRANSPORT],
          useFactory: (t: HandOffTransport) => t.create(POSITION_SCHEMA),
        },
        {
          provide: DOMAIN_EVENTS,
          inject: [HAND_OFF_TRANSPORT],
          useFactory: (t: HandOffTransport) => t.create(DOMAIN_EVENT_SCHEMA),
        },
      ],
      exports: [HAND_OFF_TRANSPORT, SIGHTINGS, POSITIONS, DOMAIN_EVENTS],
    };
  }
}
