// Walking every page of a list whose pages hold payment summaries then refund summaries
// (client.transactions.listAll, client.reconciliation.listAll).

/** What such a list page has: its summaries and its pagination. */
export interface SummaryPage<P, R> {
  payment_summaries: P[];
  refund_summaries: R[];
  pagination: { total_count: number; page_size: number };
}

export type SummaryItem<P, R> = { kind: 'payment'; summary: P } | { kind: 'refund'; summary: R };

/**
 * Every payment, then every refund of each page, fetching page 1, 2, ... with `fetchPage`. Stops at an
 * empty page or once `total_count` is reached, so it never asks for a page past the last one.
 */
export async function* allSummaries<P, R>(
  fetchPage: (pageNumber: number) => Promise<SummaryPage<P, R>>,
): AsyncGenerator<SummaryItem<P, R>> {
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await fetchPage(pageNumber);
    for (const summary of page.payment_summaries) yield { kind: 'payment', summary };
    for (const summary of page.refund_summaries) yield { kind: 'refund', summary };
    const onPage = page.payment_summaries.length + page.refund_summaries.length;
    if (onPage === 0 || pageNumber * page.pagination.page_size >= page.pagination.total_count) return;
  }
}
