import { Module } from '@nestjs/common';
import { ConfigFileApplier } from '../config-file/config-file-applier.js';
import { SensorsController } from './sensors/sensors.controller.js';
import { SensorsService } from './sensors/sensors.service.js';
import { StoresController } from './stores/stores.controller.js';
import { StoresService } from './stores/stores.service.js';
import { ZonesController } from './zones/zones.controller.js';
import { ZonesService } from './zones/zones.service.js';

/**
 * REST API for stores, zones and sensors, plus the config-file applier that shares their
 * services. Expects from the app (global providers): `DataSource`, `PLUGIN_CATALOG`,
 * `StoreDirectory` (writers announce each commit to it), and `STORE_POLICY_VALIDATOR`. Authentication
 * is `AuthModule`'s.
 */
@Module({
  controllers: [StoresController, ZonesController, SensorsController],
  providers: [StoresService, ZonesService, SensorsService, ConfigFileApplier],
  exports: [StoresService, ZonesService, SensorsService, ConfigFileApplier],
})
export class ApiModule {}
