/**
 * A kind of job a change requests through the outbox, with the one definition of its id. An id
 * is derived from the work (`index-{documentId}-v{version}`), so asking twice for the same work is
 * one job; it is needed in TypeScript (an inline run, a lookup) and in SQL (a row written by the
 * statement that learns the data, such as the version a write produced). Both come from the one
 * template here, so they cannot drift apart.
 */

/** The `{field}` names of an id template. */
export type IdFields<T extends string> = T extends `${string}{${infer F}}${infer Rest}`
  ? F | IdFields<Rest>
  : never;

/** SQL expressions, by data field: the columns (of the statement's rows) a job's data is built from. */
export type DataColumns<F extends string> = Readonly<Record<F, string>> &
  Readonly<Record<string, string>>;

const quote = (literal: string) => `'${literal.replace(/'/g, "''")}'`;

export class OutboxJob<T extends string> {
  private readonly parts: ({ literal: string } | { field: string })[];

  constructor(
    /** The job's name, which picks its processor. */
    readonly name: string,
    /** The id, with `{field}` for each field of the job's data it is built from. */
    readonly idTemplate: T,
  ) {
    this.parts = idTemplate
      .split(/(\{\w+\})/)
      .filter(Boolean)
      .map((p) => (/^\{\w+\}$/.test(p) ? { field: p.slice(1, -1) } : { literal: p }));
  }

  /** The id of the job for `data`. */
  id(data: Readonly<Record<IdFields<T>, string | number>>): string {
    const values = data as Readonly<Record<string, string | number>>;
    return this.parts.map((p) => ('field' in p ? String(values[p.field]) : p.literal)).join('');
  }

  /**
   * The outbox columns `job_name, job_id, data` as a select list over rows that have `columns`
   * (each data field's SQL expression): the id as `id()` builds it, in SQL.
   */
  columns(columns: DataColumns<IdFields<T>>): string {
    const id = this.parts
      .map((p) => ('field' in p ? columns[p.field] : quote(p.literal)))
      .join(' || ');
    const data = Object.entries(columns)
      .map(([field, sql]) => `${quote(field)}, ${sql}`)
      .join(', ');
    return `${quote(this.name)} AS job_name,
  ${id} AS job_id,
  jsonb_build_object(${data}) AS data`;
  }
}
