// `@aisle/core`: the hub (`createHub`) and its stages and hand-offs, for tests and tools.
// `npm start` (main.ts) imports the hub alone, which loads the rest while its database opens.
export * from './hub.js';
export * from './stages.js';
