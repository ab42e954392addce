export * from './fake-clock.js';
export * from './fake-ports.js';
export * from './harness.js';
