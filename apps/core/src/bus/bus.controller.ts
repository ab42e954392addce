import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OBS_PATTERN } from './bus-topology.js';
import { SightingHandoff } from './chain.js';
import type { JetStreamContext } from './jetstream.server.js';
import type { SightingMessage } from './sighting-message.js';

/** Worker side of the bus: sightings of the stores this worker owns into its stages. */
@Controller()
export class BusController {
  constructor(@Inject(SightingHandoff) private readonly handoff: SightingHandoff) {}

  /** Resolves once the sightings' effect is committed: the transport acknowledges them then. */
  @EventPattern<string>(OBS_PATTERN)
  handle(@Payload() message: SightingMessage, @Ctx() _ctx: JetStreamContext): Promise<void> {
    return this.handoff.accept(message.sightings);
  }
}
