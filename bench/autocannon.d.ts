/** The slice of autocannon's programmatic API bench/api.ts uses (the package ships no types). */
declare module 'autocannon' {
  type Options = {
    url: string;
    connections?: number;
    duration?: number;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
    /** Called with each client; its 'headers' event gives the raw header list of each answer. */
    setupClient?: (client: {
      on(event: 'headers', listener: (response: { headers: string[] }) => void): void;
    }) => void;
  };
  type Histogram = { average: number; mean: number; p50: number; p99: number };
  type Result = {
    requests: Histogram & { total: number };
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  };
  function autocannon(options: Options): Promise<Result>;
  export = autocannon;
}
