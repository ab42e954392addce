/** Where the embedded database and the hub's own files live unless AISLE_DATA_DIR says. */
export const DEFAULT_DATA_DIR = './data';
