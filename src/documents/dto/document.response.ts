/** A document as the API returns it. Timestamps are RFC 3339 in UTC with microseconds. */
export class DocumentResponse {
  id!: string;
  title!: string;
  body!: string;
  tags!: string[];
  /** Increments on every change; the ETag is this number in quotes. */
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

/** A listing entry: the document without its body (bodies run to 1 MiB). */
export class DocumentSummary {
  id!: string;
  title!: string;
  tags!: string[];
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class DocumentPage {
  items!: DocumentSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor!: string | null;
}
