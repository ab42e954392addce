import 'reflect-metadata';

export * from './data-source.js';
export * from './fresh-template.js';
export * from './entities/index.js';
export * from './key-store.js';
export * from './migrations/index.js';
export * from './sighting-row.js';
export * from './message-receipts.js';
export * from './sighting-writer.js';
export * from './spill-file.js';
export * from './testing.js';
export * from './purge.js';
export * from './policy-versions.js';
export * from './audit.js';
export * from './rollup-store.js';
export * from './store-config-repository.js';
export * from './sighting-scrub.js';
export * from './api-key-roles.js';
