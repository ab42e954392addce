import { InitialSchema1763856000000 } from './1763856000000-initial-schema.js';
import { OptOuts1763942400000 } from './1763942400000-opt-outs.js';

export { InitialSchema1763856000000 } from './1763856000000-initial-schema.js';
export { OptOuts1763942400000 } from './1763942400000-opt-outs.js';

/** Every migration, oldest first. A new one is appended here (never edit a released one). */
export const MIGRATIONS = [InitialSchema1763856000000, OptOuts1763942400000];
