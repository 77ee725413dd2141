// The check payments, refunds and customs declarations share: a signed response is only trusted once
// it holds the object (with an id and a state) and, for a GET, is about the object asked for.
import { UmfApiError } from '../errors.ts';
import type { SignedResult } from '../transport.ts';
import type { Link } from '../types.ts';

/**
 * `object` checked as the object of `res`, with the response's `links` (else the object's own).
 * `missing` names it when absent ("payment object"), `noun` when it is another one ("payment").
 */
export function checkedObject<T extends { id: string; state: string; links?: Link[] | undefined }>(
  res: SignedResult,
  object: T | undefined,
  names: { missing: string; noun: string },
  operation: string,
  expectedId?: string,
): { object: T; links: Link[] } {
  const options = { httpStatus: res.httpStatus, requestId: res.requestId };
  if (!object || typeof object !== 'object' || typeof object.id !== 'string' || typeof object.state !== 'string') {
    throw new UmfApiError(`${operation}: the response has no ${names.missing} with an id and a state`, options);
  }
  // Signatures carry no nonce: make sure a (replayed) signed response is at least about this object.
  if (expectedId !== undefined && object.id !== expectedId) {
    throw new UmfApiError(`${operation}: the response is about ${names.noun} ${object.id}, not ${expectedId}`, options);
  }
  const links = Array.isArray(res.data.links)
    ? (res.data.links as Link[])
    : Array.isArray(object.links)
      ? object.links
      : [];
  return { object, links };
}
