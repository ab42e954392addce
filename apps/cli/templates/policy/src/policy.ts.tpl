import type { GateDecision, Observation, PolicyContext, PolicyModule } from '@aisle/sdk';
import type { __PASCAL__Config } from './config.js';

/**
 * Drops the observations of the configured sensors before pseudonymisation. `gate` runs for every
 * observation, synchronously: it keeps nothing and logs no identifier.
 */
export class __PASCAL__Policy implements PolicyModule {
  private readonly ignored: ReadonlySet<string>;
  private decided = 0;

  constructor(private readonly ctx: PolicyContext<__PASCAL__Config>) {
    this.ignored = new Set(ctx.config.ignoredSensors);
  }

  gate(observation: Readonly<Observation>): GateDecision {
    this.decided += 1;
    return this.ignored.has(observation.sensorId)
      ? { accept: false, reason: 'sensor_ignored' }
      : { accept: true };
  }

  dispose(): void {
    this.ctx.logger.info('policy disposed', { decided: this.decided });
  }
}
