// Type-checked only (see tsconfig.json): both Redis clients are accepted as
// they come, the store fits AuthClient's `store`, and junk is refused.
import { AuthClient } from "vendor-auth";
import type { AtomicTokenStore } from "vendor-auth";
import { redisStore } from "vendor-auth/redis";
import type { RedisStoreOptions } from "vendor-auth/redis";
import { Redis, Cluster } from "ioredis";
import { createClient } from "redis";

const ioredis = new Redis("redis://127.0.0.1:6379");
const nodeRedis = createClient({ url: "redis://127.0.0.1:6379" });
const options: RedisStoreOptions = { prefix: "myapp:", timeoutMs: 500 };

const fromIoredis: AtomicTokenStore = redisStore(ioredis, options);
const fromNodeRedis: AtomicTokenStore = redisStore(nodeRedis);
const fromCluster = redisStore(new Cluster([{ host: "127.0.0.1", port: 7000 }]));

new AuthClient({ vendor: "emnify", credentials: { applicationToken: "t" }, store: fromIoredis });
new AuthClient({ vendor: "personr", credentials: { email: "a@b.c", password: "p" }, store: fromNodeRedis });
new AuthClient({ vendor: "zumrails", credentials: { username: "u", password: "p" }, store: fromCluster });

const added: boolean = await fromIoredis.add("k", "v", { expirationTtl: 30 });
const deleted: boolean | undefined = await fromIoredis.deleteIf?.("k", "v");

// @ts-expect-error not a Redis client
redisStore({ get() {}, set() {} });
// @ts-expect-error prefix is a string
redisStore(ioredis, { prefix: 1 });

void added;
void deleted;
