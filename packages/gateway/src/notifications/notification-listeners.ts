/**
 * The listeners of `umf-gateway listen` connected to this process (listen-routes.ts): while a
 * listener of merchant M is connected, the notification worker hands M's notifications to it instead
 * of POSTing them to notify_url, and waits for the answer the listener reports (the status and body
 * of the merchant's local server, or the error it got). The worker records that answer as it records
 * any attempt, so an acknowledgement marks the notification delivered and a failure is retried on the
 * usual backoff.
 *
 * State is per process, in memory: with several gateway processes on one database a listener only
 * gets the notifications claimed by the worker of the process it is connected to (the others POST to
 * notify_url as usual). Several listeners of one merchant: the most recently connected one gets each
 * notification.
 *
 * A listener is given a random key when it connects (sent on its stream only); the answers it
 * reports carry that key, so no other caller can answer for it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../store/ids.ts';

/** What a listener is sent for one attempt: the exact body and headers a POST to notify_url would carry. */
export interface ListenerNotification {
  readonly notificationId: string;
  readonly merchantId: string;
  readonly objectType: string;
  readonly objectId: string;
  /** The number of the attempt (1-based). */
  readonly attempt: number;
  /** The notification's notify_url (for the listener's information: it does not call it). */
  readonly notifyUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the merchant's local server answered, as the listener reports it. */
export interface ListenerAnswer {
  readonly status: number;
  readonly text: string;
}

/** A listener's report: the local server's answer, or why there was none. */
export type ListenerReport = { readonly answer: ListenerAnswer } | { readonly error: string };

/** The stream of one connected listener (the route writes server-sent events to it). */
export interface ListenerStream {
  send(event: string, data: Readonly<Record<string, unknown>>): void;
  close(): void;
}

export interface ListenerHandle {
  /** `LSN_...` */
  readonly id: string;
  /** The secret the listener's reports carry (Listener-Key header). */
  readonly key: string;
  disconnect(): void;
}

/** A delivery through a listener that failed before the listener answered (disconnected, closed). */
export class ListenerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenerError';
  }
}

interface Listener {
  readonly id: string;
  readonly merchantId: string;
  readonly keyHash: Buffer;
  readonly stream: ListenerStream;
  readonly deliveries: Set<string>;
}

interface PendingDelivery {
  readonly listener: Listener;
  resolve(answer: ListenerAnswer): void;
  reject(error: Error): void;
}

const hash = (text: string): Buffer => createHash('sha256').update(text).digest();

export class NotificationListeners {
  /** Per merchant, in order of connection (the last one gets the notifications). */
  readonly #byMerchant = new Map<string, Listener[]>();
  readonly #pending = new Map<string, PendingDelivery>();

  /** Registers a connected listener of `merchantId`. */
  connect(merchantId: string, stream: ListenerStream): ListenerHandle {
    const key = randomBytes(32).toString('hex');
    const listener: Listener = {
      id: newId('LSN_'),
      merchantId,
      keyHash: hash(key),
      stream,
      deliveries: new Set(),
    };
    const list = this.#byMerchant.get(merchantId) ?? [];
    list.push(listener);
    this.#byMerchant.set(merchantId, list);
    return { id: listener.id, key, disconnect: () => this.#disconnect(listener, 'the listener disconnected') };
  }

  /** Whether a listener of the merchant is connected to this process. */
  has(merchantId: string): boolean {
    return (this.#byMerchant.get(merchantId)?.length ?? 0) > 0;
  }

  /** Listeners connected now (all merchants). */
  get size(): number {
    let n = 0;
    for (const list of this.#byMerchant.values()) n += list.length;
    return n;
  }

  /**
   * Sends the notification to the merchant's newest listener and resolves with what it reports; rejects
   * with a ListenerError when the listener reports an error, disconnects first, or none is connected,
   * and with the signal's reason when `signal` aborts first.
   */
  deliver(notification: ListenerNotification, signal: AbortSignal): Promise<ListenerAnswer> {
    const listener = this.#byMerchant.get(notification.merchantId)?.at(-1);
    if (!listener) return Promise.reject(new ListenerError('no listener is connected'));
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const deliveryId = newId('LSD_');
    return new Promise<ListenerAnswer>((resolve, reject) => {
      const done = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.#pending.delete(deliveryId);
        listener.deliveries.delete(deliveryId);
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason as Error);
      };
      this.#pending.set(deliveryId, {
        listener,
        resolve: (answer) => {
          done();
          resolve(answer);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      listener.deliveries.add(deliveryId);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        listener.stream.send('notification', {
          delivery_id: deliveryId,
          notification_id: notification.notificationId,
          object_type: notification.objectType,
          object_id: notification.objectId,
          attempt: notification.attempt,
          notify_url: notification.notifyUrl,
          headers: notification.headers,
          body: notification.body,
        });
      } catch (error) {
        this.#disconnect(listener, `the listener's stream failed: ${(error as Error).message}`);
      }
    });
  }

  /**
   * A listener's report on one delivery. False when no delivery of that id awaits a report from the
   * listener holding `key` (unknown, already answered, given up by the worker, or another listener's).
   */
  report(deliveryId: string, key: string, report: ListenerReport): boolean {
    const pending = this.#pending.get(deliveryId);
    if (!pending) return false;
    const given = hash(key);
    if (!timingSafeEqual(given, pending.listener.keyHash)) return false;
    if ('answer' in report) pending.resolve(report.answer);
    else pending.reject(new ListenerError(report.error));
    return true;
  }

  /** Ends every listener's stream (the gateway is closing); their deliveries under way fail. */
  closeAll(): void {
    for (const list of [...this.#byMerchant.values()])
      for (const listener of [...list]) {
        this.#disconnect(listener, 'the gateway is shutting down');
        try {
          listener.stream.close();
        } catch {
          // already closed
        }
      }
  }

  #disconnect(listener: Listener, why: string): void {
    const list = this.#byMerchant.get(listener.merchantId);
    if (list) {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.#byMerchant.delete(listener.merchantId);
    }
    for (const id of [...listener.deliveries]) this.#pending.get(id)?.reject(new ListenerError(why));
  }
}
