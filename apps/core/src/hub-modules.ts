// What the hub needs beyond its database and configuration: `createHub` imports this file when it
// starts, while the database opens, rather than with hub.ts (module loading is a good part of a
// start). One import of one file: Jest's ESM runtime fails on parallel imports of shared modules.
export { NestFactory } from '@nestjs/core';
export {
  MqttClientPort,
  createDemoSimulator,
  demoStoreLayout,
  runSimulatorOverMqtt,
  startEmbeddedBroker,
} from '@aisle/hardware';
export { AppModule } from './app.module.js';
export { ApiKeyService } from './auth/api-key.service.js';
export { StoreDirectory } from './stores/store-directory.js';
export { AggregationService } from './aggregation/aggregation.service.js';
export { HubMetrics } from './metrics/hub-metrics.js';
export { ConfigFileApplier } from './config-file/config-file-applier.js';
export { loadConfigFile } from './config-file/config-file.js';
export { configureHttp } from './http/configure-http.js';
