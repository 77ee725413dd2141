/** A window of a list, as the report endpoints page it (reference 3.16, 3.17: pages start at 1). */
export interface Page {
  readonly pageNumber: number;
  readonly pageSize: number;
  /** Rows to skip. */
  readonly offset: number;
}
