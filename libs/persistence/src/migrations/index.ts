import { InitialSchema1763856000000 } from './1763856000000-initial-schema.js';

export { InitialSchema1763856000000 } from './1763856000000-initial-schema.js';

/** Every migration, oldest first. A new one is appended here (never edit a released one). */
export const MIGRATIONS = [InitialSchema1763856000000];
