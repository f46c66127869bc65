import { createLogger } from '@refinery/core/log';

/** The web app's server-side JSON logger (docs/security.md, Logs): ids and error types, never request bodies. */
export const log = createLogger('web');
