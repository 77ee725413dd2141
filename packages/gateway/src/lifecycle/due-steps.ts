/**
 * One pass of a background job over objects whose next step is due (refunds waiting for the
 * channel's answer, customs declarations waiting for the office): each is advanced in turn, and one
 * that fails is reported to `onError` with its id without stopping the others (the next pass tries
 * it again). Returns how many moved.
 */
export async function advanceDue<R extends { readonly id: string }>(
  rows: readonly R[],
  advance: (row: R) => Promise<boolean>,
  onError?: (id: string, error: unknown) => void,
): Promise<number> {
  let moved = 0;
  for (const row of rows) {
    try {
      if (await advance(row)) moved++;
    } catch (error) {
      onError?.(row.id, error);
    }
  }
  return moved;
}
