export * from './ingest-gate.js';
export * from './keyring.js';
export * from './pseudonymise.js';
export * from './tracking-policy.js';
