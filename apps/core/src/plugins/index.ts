// Host-side plugin discovery and loading, shared with the CLI (`aisle plugins check`, `aisle decode`).
export * from './plugin-discovery.js';
export * from './plugin-loader.js';
