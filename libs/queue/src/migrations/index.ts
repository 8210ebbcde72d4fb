import { JobOutbox1764000000000 } from './1764000000000-job-outbox';

/** The queue lib's migrations, oldest first; migrations/index.ts runs them with the app's. */
export const queueMigrations = [JobOutbox1764000000000];
