import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { Tags1763900000000 } from './1763900000000-tags';

/** Every migration, oldest first. A schema change is a new file here, never `synchronize`. */
export const MIGRATIONS = [InitialSchema1763800000000, Tags1763900000000];
