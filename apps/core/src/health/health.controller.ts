import { Controller, Get, Inject } from '@nestjs/common';
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

/** Database, broker and plugins. Failed plugins are listed but do not make the hub unhealthy. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BROKER_STATUS) private readonly broker: BrokerStatus,
    @Inject(PluginHost) private readonly host: PluginHost,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Health of the database, the MQTT broker and the plugins' })
  check(): Promise<HealthCheckResult> {
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
