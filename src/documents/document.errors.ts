/** What can go wrong with a document request, as the client should hear it. */

export class DocumentNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`No document ${id} exists for your tenant.`);
  }
}

/** The `If-Match` version is not the current one: someone else updated the document first. */
export class VersionMismatchError extends Error {
  constructor(
    readonly id: string,
    readonly currentVersion: number,
  ) {
    super(
      `Document ${id} is at version ${currentVersion}; re-read it (its ETag) and apply your change again.`,
    );
  }
}

/** A write would take the tenant past one of its quotas (TENANT_QUOTA_*): nothing was written. */
export class QuotaExceededError extends Error {
  constructor(
    readonly quota: 'documents' | 'bytes',
    readonly limit: number,
    readonly usage: number,
  ) {
    super(
      `This write would take your tenant past its ${quota} quota (${usage} of ${limit} used); delete documents or shrink them to free quota, or ask for a higher one.`,
    );
  }
}
