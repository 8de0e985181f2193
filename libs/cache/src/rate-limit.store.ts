import { Injectable, Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { RedisService } from './redis.service';

/** The two counters a sliding-window rate limit needs: this window's and the previous one's. */
export interface RateWindowCounts {
  current: number;
  previous: number;
}

/** A limiter never holds a request longer than this for Redis; slower means per-instance counting. */
export const RATE_LIMIT_REDIS_BOUND_MS = 100;

/** The counters never refuse by themselves: the caller decides (sliding window, back-off policy). */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/**
 * Every key lives `duration` after its LATEST hit (not its first): each hit resets the expiry in the
 * same script as the increment. rate-limiter-flexible defines its script once per connection under
 * one name (`rlflxIncr`), so every counter on the shared connection must use the same one.
 */
const SLIDING_EXPIRY_SCRIPT = `local consumed = redis.call('incrby', KEYS[1], ARGV[1])
redis.call('expire', KEYS[1], ARGV[2])
return {consumed, 1000 * tonumber(ARGV[2])}`;

export interface SharedCounterOptions {
  /**
   * The longest a request waits for Redis before counting in memory (default 100 ms); 0: no bound
   * of its own (the connection's command timeout still ends a hung command).
   */
  boundMs?: number;
}

/** A count and how long its key has left to live. */
export interface CounterState {
  count: number;
  msLeft: number;
}

/** rate-limiter-flexible's in-memory limiter, counting how often it stood in for Redis. */
class InsuranceLimiter extends RateLimiterMemory {
  uses = 0;

  override consume(key: string | number, points = 1, options?: Parameters<RateLimiterMemory['consume']>[2]) {
    this.uses++;
    // Like the Redis script: the key lives `duration` after this hit.
    return super
      .consume(key, points, options)
      .then((res) => this.set(key, res.consumedPoints, this.duration));
  }

  override get(...args: Parameters<RateLimiterMemory['get']>) {
    this.uses++;
    return super.get(...args);
  }

  override reward(...args: Parameters<RateLimiterMemory['reward']>) {
    this.uses++;
    return super.reward(...args);
  }
}

/**
 * Counters shared by every replica, on rate-limiter-flexible: a RateLimiterRedis (each operation is
 * one Lua script or MULTI on ONE key, so it is Redis Cluster-safe; a key lives `durationMs` after its
 * latest hit) behind RLWrapperTimeouts (100 ms unless told otherwise),
 * with a RateLimiterMemory insurance limiter that counts in this instance's memory while Redis is
 * down (not ready: no round trip is tried) or slower than the bound. Limits then hold per replica —
 * looser, never off; the memory counters expire with their keys. The switch to memory and back is
 * logged once each way.
 */
export class SharedCounter {
  private readonly logger: Logger;
  private readonly insurance: InsuranceLimiter;
  private readonly limiter: RLWrapperTimeouts | RateLimiterRedis;
  private degraded = false;

  constructor(
    redis: RedisService,
    /** What it counts, for the log lines and the key prefix (`ratelimit:<name>:<key>`). */
    readonly name: string,
    /** How long a key lives after its latest hit. */
    readonly durationMs: number,
    { boundMs = RATE_LIMIT_REDIS_BOUND_MS }: SharedCounterOptions = {},
  ) {
    this.logger = new Logger(`${SharedCounter.name}(${name})`);
    const options = {
      keyPrefix: `ratelimit:${name}`,
      points: UNLIMITED,
      duration: Math.ceil(durationMs / 1000),
    };
    this.insurance = new InsuranceLimiter(options);
    const shared = new RateLimiterRedis({
      ...options,
      storeClient: redis.client,
      rejectIfRedisNotReady: true,
      insuranceLimiter: this.insurance,
      customIncrTtlLuaScript: SLIDING_EXPIRY_SCRIPT,
    });
    this.limiter =
      boundMs > 0
        ? new RLWrapperTimeouts({ limiter: shared, timeoutMs: boundMs, insuranceLimiter: this.insurance })
        : shared;
  }

  /** Adds `points` to `key`; resolves to the count within the key's lifetime, this hit included. */
  async hit(key: string, points = 1): Promise<number> {
    const uses = this.insurance.uses;
    const res = await this.limiter.consume(key, points);
    this.noteWhere(uses);
    return res.consumedPoints;
  }

  /** The count of `key` (0 when it has none). */
  async count(key: string): Promise<number> {
    return (await this.state(key)).count;
  }

  /** The count of `key` and how long the key has left (0 and 0 when it has none). */
  async state(key: string): Promise<CounterState> {
    const uses = this.insurance.uses;
    const res = await this.limiter.get(key);
    this.noteWhere(uses);
    return res
      ? { count: res.consumedPoints, msLeft: Math.max(0, res.msBeforeNext) }
      : { count: 0, msLeft: 0 };
  }

  /** Takes `points` back from `key` (an attempt that is over). */
  async release(key: string, points = 1): Promise<void> {
    const uses = this.insurance.uses;
    await this.limiter.reward(key, points);
    this.noteWhere(uses);
  }

  /** Drops `key` in Redis and in this instance's memory. */
  async reset(key: string): Promise<void> {
    await Promise.all([this.limiter.delete(key).catch(() => false), this.insurance.delete(key)]);
  }

  /** Whether the last operation fell back to this instance's memory. */
  get local(): boolean {
    return this.degraded;
  }

  private noteWhere(insuranceUsesBefore: number): void {
    const local = this.insurance.uses !== insuranceUsesBefore;
    if (local === this.degraded) return;
    this.degraded = local;
    if (local) this.logger.warn(`${this.name} counted per instance until Redis answers`);
    else this.logger.log(`${this.name} shared through Redis again`);
  }
}

/**
 * Fixed-window hit counters for the sliding-window limits (the per-address limit and the per-route
 * throttlers): `ratelimit:<name>:<key>:<window index>`, each kept two windows after its last hit. A hit is two
 * single-key operations sent together: count this window, read the previous one.
 */
export class WindowCounter {
  private readonly counter: SharedCounter;

  constructor(
    redis: RedisService,
    name: string,
    private readonly windowMs: number,
  ) {
    this.counter = new SharedCounter(redis, name, windowMs * 2);
  }

  async hit(key: string, now = Date.now()): Promise<RateWindowCounts> {
    const window = Math.floor(now / this.windowMs);
    const [current, previous] = await Promise.all([
      this.counter.hit(`${key}:${window}`),
      this.counter.count(`${key}:${window - 1}`),
    ]);
    return { current, previous };
  }
}

/** Makes the counters on the process's Redis connection (the only way the other libs reach them). */
@Injectable()
export class RateLimitStore {
  constructor(private readonly redis: RedisService) {}

  windowCounter(name: string, windowMs: number): WindowCounter {
    return new WindowCounter(this.redis, name, windowMs);
  }

  sharedCounter(name: string, durationMs: number, options?: SharedCounterOptions): SharedCounter {
    return new SharedCounter(this.redis, name, durationMs, options);
  }
}

/** The Redis key of `key` in the counter `name`. */
export const rateLimitKey = (name: string, key: string) => `ratelimit:${name}:${key}`;
