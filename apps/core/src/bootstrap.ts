// `@aisle/core`: the hub (`createHub`) and its stages and hand-offs, for tests and tools.
// `npm start` (main.ts) starts the embedded database first (`startDatabaseEarly`), then imports
// the hub alone, which loads the rest while its database opens.
export * from './hub.js';
export { startDatabaseEarly, type EarlyDatabase } from './database/early-start.js';
export * from './stages.js';
