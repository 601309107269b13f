import type { FuzzServer } from './fuzz-server';
import type { FuzzReport } from './fuzz-runner';
export async function fuzzGraphql(_s: FuzzServer, _n: number, _seed: number, _p?: (d: number) => void): Promise<FuzzReport> {
  throw new Error('todo');
}
