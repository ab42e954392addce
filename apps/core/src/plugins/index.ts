// Host-side plugin tooling shared with the CLI (`aisle plugins check`).
export * from './plugin-checker.js';
export * from './plugin-discovery.js';
export * from './plugin-loader.js';
