import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BROKER_STATUS, type BrokerStatus } from '../health/broker-status.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import {
  APP_CONFIG,
  BROKER_URL,
  CLOCK,
  LOGGER,
  MQTT,
  PLUGIN_OPTIONS,
  type Platform,
} from './platform.tokens.js';

/**
 * The environment every stage may use: configuration, clock, logger, metrics registry, the
 * database connection (for the repositories of libs/persistence; controllers never inject it) and
 * the MQTT client. Opened by `bootstrap.ts`, provided here; wiring only.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(platform: Platform): DynamicModule {
    const brokerStatus: BrokerStatus = () => ({
      url: redactUrl(platform.mqttUrl),
      ...platform.mqtt.status(),
    });
    const providers = [
      { provide: APP_CONFIG, useValue: platform.config },
      { provide: CLOCK, useValue: platform.clock },
      { provide: LOGGER, useValue: platform.logger },
      { provide: MQTT, useValue: platform.mqtt },
      { provide: BROKER_URL, useValue: platform.mqttUrl },
      { provide: PLUGIN_OPTIONS, useValue: platform.plugins },
      { provide: DataSource, useValue: platform.dataSource },
      { provide: BROKER_STATUS, useValue: brokerStatus },
      { provide: HubMetrics, useValue: new HubMetrics() },
    ];
    return {
      module: PlatformModule,
      providers,
      exports: providers.map((p) => p.provide),
    };
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
