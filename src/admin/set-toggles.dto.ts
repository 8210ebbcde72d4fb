/**
 * `{ "CACHE_L1": false, "QUEUE": null }`: true/false set a runtime override on every instance,
 * null removes it (back to the configured value). Validated in the controller, since the keys
 * are the toggle names.
 */
export type SetTogglesBody = Record<string, boolean | null>;
