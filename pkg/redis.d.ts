// Types of `vendor-auth/redis`: an AtomicTokenStore over an ioredis or
// node-redis client. The client libraries are not imported: any object of
// the right shape is accepted (the package depends on neither).
import type { AtomicTokenStore } from "./index.js";

/** The part of an ioredis `Redis` (or `Cluster`) client the store uses (and its "ready" event). */
export interface IoRedisLike {
  status: string;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  connect(): Promise<void>;
}

/**
 * The part of a node-redis (v4 or later) client the store uses (and its
 * "ready" event): a `createClient()` client. For a cluster use ioredis's
 * `Cluster` (node-redis's `createCluster()` routes commands differently).
 */
export interface NodeRedisLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** Put before every key (`"myapp:"`). Default `""`. */
  prefix?: string;
  /**
   * How long one command may wait for a connection and its reply, in ms,
   * before it fails (and the AuthClient falls back to memory). Keep it below
   * the AuthClient's `timeoutMs`. Default 2000.
   */
  timeoutMs?: number;
}

/**
 * A token store in Redis (or Valkey) for `new AuthClient({ store })`: every
 * process and machine that shares it makes one login per principal at a
 * time. `put` is `SET … PX`, `add` is `SET … NX PX` (the lease), `deleteIf`
 * a compare-and-delete script (`EVAL`). Commands are sent only on a ready
 * connection, never queued while Redis is down.
 *
 *     import { createClient } from "redis";
 *     const redis = await createClient({ url }).on("error", console.error).connect();
 *     const client = new AuthClient({ vendor: "emnify", credentials, store: redisStore(redis) });
 */
export declare function redisStore(client: IoRedisLike | NodeRedisLike, options?: RedisStoreOptions): AtomicTokenStore;
