/** `source` with each value mapped; closing the result closes the source (unsubscribes). */
export function mapAsyncIterator<T, U>(
  source: AsyncIterableIterator<T>,
  map: (value: T) => U,
): AsyncIterableIterator<U> {
  return {
    async next() {
      const result = await source.next();
      return result.done ? result : { value: map(result.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
