/**
 * The environment variables the service reads: the keys of the one config schema. The deployables
 * may set only these (a typo there would be silently ignored by the service, which falls back to
 * its local default), and the tests compare what docker/ and k8s/ set against this list.
 */
import { configSchema } from '../../src/config/config.schema';

export const configKeys: ReadonlySet<string> = new Set(Object.keys(configSchema.shape));
