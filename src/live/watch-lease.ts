import type { RedisClient } from '../cache/redis-client';

/** Renews the lease when this process holds it (1), takes it when free (2), else 0. */
const ACQUIRE_OR_RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 2 end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A Redis lease naming the one process that computes a watched metric for every process, so N
 * servers with subscribers to the same metric run its SQL once, not N times.
 */
export class WatchLease {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /**
   * `renewed` or `taken` when this process holds the lease after the call, false when another
   * does. Rejects when Redis is down.
   */
  async acquireOrRenew(): Promise<'renewed' | 'taken' | false> {
    const held = await this.redis.eval(ACQUIRE_OR_RENEW, {
      keys: [this.key],
      arguments: [this.holder, String(this.ttlMs)],
    });
    return held === 2 ? 'taken' : held === 1 ? 'renewed' : false;
  }

  async release(): Promise<void> {
    await this.redis
      .eval(RELEASE, { keys: [this.key], arguments: [this.holder] })
      .catch(() => undefined);
  }
}
