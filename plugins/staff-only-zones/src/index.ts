import { definePolicy } from '@aisle/sdk';
import { StaffOnlyZonesConfig } from './config.js';
import { staffOnlyZonesModule } from './staff-only-zones.js';

export { OpeningWindow, StaffOnlyZonesConfig } from './config.js';
export { OpeningHours, STAFF_ONLY, staffOnlyZonesModule } from './staff-only-zones.js';

/** staff-only-zones: nobody is tracked in zones tagged `staff-only` during opening hours. */
export default definePolicy({
  configSchema: StaffOnlyZonesConfig,
  createPolicy: (ctx) => staffOnlyZonesModule(ctx),
});
