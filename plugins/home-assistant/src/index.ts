import { defineExporter } from '@aisle/sdk';
import { HomeAssistantConfig } from './config.js';
import { HomeAssistantExporter } from './home-assistant.exporter.js';

export { HomeAssistantConfig } from './config.js';
export { storeEntities, availabilityTopic, type Entity } from './discovery.js';
export { HomeAssistantExporter } from './home-assistant.exporter.js';

/** Run it with `AISLE_EXPORTERS='{"home-assistant": {}}'` (see README.md). */
export default defineExporter({
  configSchema: HomeAssistantConfig,
  createExporter: () => new HomeAssistantExporter(),
});
