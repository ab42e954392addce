import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { STORE_OWNER, type StoreOwner } from '../contracts/store-owner.js';
import { BusController } from './bus.controller.js';
import { SightingHandoff, SightingPublisher } from './chain.js';
import type { Chain } from './chain-wiring.js';

/**
 * A chain process's bus wiring (AISLE_ROLE not `all`): which stores it owns (STORE_OWNER), on an
 * ingest process the sighting publisher, and on a worker the message handler that feeds the bus's
 * sightings into its stages.
 */
@Module({})
export class BusModule {
  static forRoot(chain: Chain): DynamicModule {
    const owner: StoreOwner = { owns: (storeId) => chain.owns(storeId) };
    const providers: Provider[] = [{ provide: STORE_OWNER, useValue: owner }];
    if (chain.handoff) providers.push({ provide: SightingHandoff, useValue: chain.handoff });
    // Ingest acknowledges an MQTT message once the stream has its sightings (IngestModule).
    if (chain.publisher) providers.push({ provide: SightingPublisher, useValue: chain.publisher });
    return {
      module: BusModule,
      global: true,
      controllers: chain.handoff ? [BusController] : [],
      providers,
      exports: [STORE_OWNER, ...(chain.publisher ? [SightingPublisher] : [])],
    };
  }
}
