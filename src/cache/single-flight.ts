/**
 * Identical concurrent calls in this process share one computation: the first caller of a key
 * runs `work`, the others await the same promise. Bounded by the calls in flight.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const current = this.flights.get(key);
    if (current) return current;
    const flight = work().finally(() => this.flights.delete(key));
    this.flights.set(key, flight);
    return flight;
  }

  get inFlight(): number {
    return this.flights.size;
  }
}
