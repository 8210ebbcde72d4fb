/**
 * A typed client of the docscale API, generated from the committed OpenAPI document
 * (docs/openapi.json → openapi.d.ts by openapi-typescript at build and lint time, not committed),
 * over openapi-fetch. Scripts and e2e suites call the API through it, so a change of the API that
 * the document does not follow (or a document change they do not follow) breaks the build.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './openapi';

export type { components, operations, paths } from './openapi';

export type ApiClient = Client<paths>;

/** A client of `baseUrl`, sending `apiKey` (a tenant's, or the admin key) as a bearer token. */
export function apiClient(baseUrl: string, apiKey?: string): ApiClient {
  return createClient<paths>({
    baseUrl,
    headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
  });
}
