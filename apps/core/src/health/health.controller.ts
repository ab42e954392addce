import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { databaseKind } from '@aisle/persistence';
import { Public } from '../auth/public.decorator.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { BROKER_STATUS, type BrokerStatus } from './broker-status.js';
import {
  INGEST_STATUS,
  ingestHealth,
  type IngestHealth,
  type IngestStatus,
} from './ingest-status.js';

/** Terminus's result, with `degraded` when ingest holds unstored observations (see README). */
export type HubHealth = Omit<HealthCheckResult, 'status'> & {
  status: HealthCheckResult['status'] | 'degraded';
};

/**
 * Database, broker, ingest and plugins. Failed plugins are listed but do not make the hub
 * unhealthy. `degraded` (HTTP 200): everything is up, but observations wait outside the database
 * (writes failing, spill file in use, or old unstored rows); details under `ingest`.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BROKER_STATUS) private readonly broker: BrokerStatus,
    @Inject(PluginHost) private readonly host: PluginHost,
    @Inject(INGEST_STATUS) private readonly ingest: IngestStatus,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Health of the database, the MQTT broker and the plugins' })
  async check(): Promise<HubHealth> {
    // One reading for the indicator and the verdict.
    const ingest = ingestHealth(this.ingest(), Date.now());
    let result: HealthCheckResult;
    try {
      result = await this.checkAll(ingest);
    } catch (error) {
      // The database alone is down while ingest is spilling to disk: nothing is being lost, so
      // the hub is degraded (HTTP 200), not failed — restarting it would not help.
      const response =
        error instanceof ServiceUnavailableException
          ? (error.getResponse() as HealthCheckResult)
          : undefined;
      const down = Object.keys(response?.error ?? {});
      if (response && down.length === 1 && down[0] === 'database' && ingest.status === 'degraded') {
        return { ...response, status: 'degraded' };
      }
      throw error;
    }
    return result.status === 'ok' && ingest.status === 'degraded'
      ? { ...result, status: 'degraded' }
      : result;
  }

  private checkAll(ingest: IngestHealth): Promise<HealthCheckResult> {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('database');
        try {
          await this.dataSource.query('SELECT 1');
          return indicator.up({ type: databaseKind(this.dataSource) });
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      },
      () => {
        const indicator = this.indicators.check('broker');
        const status = this.broker();
        return status.connected
          ? indicator.up({ url: status.url })
          : indicator.down({ url: status.url, message: status.message });
      },
      () => {
        const { status, ...details } = ingest;
        return this.indicators.check('ingest').up({ state: status, ...details });
      },
      () => {
        const plugins = this.host.list();
        const drivers = this.host.driverStates();
        return this.indicators.check('plugins').up({
          loaded: plugins.filter((p) => p.status === 'loaded').map((p) => p.domain),
          failed: plugins
            .filter((p) => p.status === 'failed')
            .map((p) => ({ domain: p.domain, error: p.error })),
          sensors: {
            running: drivers.filter((d) => d.status === 'running').length,
            retrying: drivers.filter((d) => d.status === 'retrying').length,
            failed: drivers.filter((d) => d.status === 'failed').length,
            unavailable: drivers.filter((d) => d.available === false).length,
          },
        });
      },
    ]);
  }
}
