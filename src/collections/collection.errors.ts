/** What can go wrong with a collection request, as the client should hear it. */

export class CollectionNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`No collection ${id} exists for your tenant.`);
  }
}

/** The `If-Match` version is not the current one: someone else changed the collection first. */
export class CollectionVersionMismatchError extends Error {
  constructor(
    readonly id: string,
    readonly currentVersion: number,
  ) {
    super(
      `Collection ${id} is at version ${currentVersion}; re-read it (its ETag) and apply your change again.`,
    );
  }
}
