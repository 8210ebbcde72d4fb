import { InitialSchema1763900000000 } from './1763900000000-initial-schema';

/** Every migration, oldest first. A new migration file is added here too. */
export const migrations = [InitialSchema1763900000000];
