/**
 * What one subscriber has not read yet, as the AsyncIterator graphql-js consumes. Bounded: a
 * client that reads slower than values arrive loses the oldest unread values (each message holds
 * the whole current value, so the newest is what matters); `return()` (the client unsubscribed
 * or disconnected) runs `onClose` once.
 */
export function createSubscriptionQueue<T>(options: {
  maxBuffered: number;
  onClose: () => void;
  /** Called after the client took a value, with how many are left. */
  onRead?: (buffered: number) => void;
}): AsyncIterableIterator<T> & {
  push(value: T): void;
  fail(error: Error): void;
  readonly buffered: number;
} {
  const buffered: T[] = [];
  let waiting: { resolve: (result: IteratorResult<T>) => void; reject: (e: Error) => void } | null =
    null;
  let failure: Error | null = null;
  let done = false;

  const close = () => {
    if (done) return;
    done = true;
    buffered.length = 0;
    waiting?.resolve({ value: undefined, done: true });
    waiting = null;
    options.onClose();
  };

  return {
    push(value: T) {
      if (done) return;
      if (waiting) {
        const resolve = waiting.resolve;
        waiting = null;
        resolve({ value, done: false });
        return;
      }
      buffered.push(value);
      if (buffered.length > options.maxBuffered) buffered.shift();
    },
    fail(error: Error) {
      if (done) return;
      if (waiting) {
        const reject = waiting.reject;
        waiting = null;
        close();
        reject(error);
        return;
      }
      failure = error;
    },
    get buffered() {
      return buffered.length;
    },
    next() {
      if (buffered.length) {
        const value = buffered.shift()!;
        options.onRead?.(buffered.length);
        return Promise.resolve({ value, done: false });
      }
      if (failure) {
        const error = failure;
        failure = null;
        close();
        return Promise.reject(error);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return() {
      close();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      close();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
