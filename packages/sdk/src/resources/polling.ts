// `waitFor` of payments, refunds and customs declarations: poll `get` until the object satisfies a
// predicate, a state or one of a list of states.
import { UmfWaitTimeoutError } from '../errors.ts';
import { sleep } from '../retry.ts';
import type { WaitForOptions } from '../types.ts';

/** A predicate, one state, or a list of states. */
export type StateCondition<T extends { state: S }, S extends string> = ((object: T) => boolean) | S | readonly S[];

/**
 * Calls `fetch` (with the options' signal) until its object satisfies `until`, and returns that object.
 * Polls every `intervalMs` (default 1 s); throws UmfWaitTimeoutError after `timeoutMs` (default 60 s),
 * "<what> still in state <state> after <timeoutMs> ms", carrying the last object seen.
 */
export async function pollUntil<T extends { state: S }, S extends string>(
  fetch: (signal: AbortSignal | undefined) => Promise<T>,
  until: StateCondition<T, S>,
  options: WaitForOptions,
  what: string,
): Promise<T> {
  const predicate =
    typeof until === 'function'
      ? until
      : typeof until === 'string'
        ? (o: T) => o.state === until
        : (o: T) => until.includes(o.state);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 1_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const object = await fetch(options.signal);
    if (predicate(object)) return object;
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new UmfWaitTimeoutError(`${what} still in state ${object.state} after ${timeoutMs} ms`, object);
    await sleep(Math.min(intervalMs, remaining), options.signal);
  }
}
