import type { AppConfig } from './config/app-config.js';
import { startDatabaseEarly } from './database/early-start.js';
import { limitHeapGrowth } from './platform/heap-growth.js';
import { APP_CONFIG } from './platform/platform.tokens.js';

/** `npm start`: the hub with embedded defaults; prints where the API is. */
async function main(): Promise<void> {
  const started = Date.now();
  // The embedded database starts opening first; the hub's modules load meanwhile.
  const early = startDatabaseEarly(process.env);
  const { createHub } = await import('./hub.js');
  const hub = await createHub(early ? { started: early } : {});
  // RSS ≤ 512 MB at 20,000 devices: V8 would otherwise let garbage grow the heap up to ×4 live.
  // Set once the hub is up: during the start the heap grows from nothing to ~80 MB, and a 20 %
  // growth step there only adds full collections (8 instead of 4) to the start.
  limitHeapGrowth();
  const lines = ['', `  Aisle is running (${((Date.now() - started) / 1000).toFixed(1)} s)`];
  if (hub.url) {
    lines.push(
      `  API          ${hub.url}/api`,
      `  API docs     ${hub.url}/api/docs`,
      `  Health       ${hub.url}/health`,
      `  Metrics      ${hub.url}/metrics`,
    );
  }
  lines.push(
    `  MQTT         ${hub.mqttUrl}`,
    `  Role         ${hub.get<AppConfig>(APP_CONFIG).AISLE_ROLE}`,
  );
  if (hub.generatedAdminKey) {
    lines.push(
      '',
      `  Admin API key (shown once, store it now): ${hub.generatedAdminKey}`,
      `  Use it as: curl -H "Authorization: Bearer ${hub.generatedAdminKey}" ${hub.url}/api/stores`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stderr.write(`\n${signal}: stopping Aisle…\n`);
    hub.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Aisle failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
