// vendor-auth/redis: an AtomicTokenStore over a Redis (or Valkey) client the
// caller created, ioredis or node-redis (v4 and later), told apart by shape.
// The package depends on neither. With it, every process and machine that
// shares the Redis makes one login per principal at a time (see the README,
// "Many processes and machines").
//
//   get      GET
//   put      SET key value [PX ttl]
//   add      SET key value NX [PX ttl]      (put-if-absent: the lease)
//   deleteIf compare-and-delete             (a late holder frees nothing)
//   delete   DEL
//
// Every command waits for a connection and for its reply at most
// `timeoutMs` (default 2000), then fails: the client falls back to memory
// meanwhile.
// Commands are sent only on a ready connection, so none waits in an offline
// queue. A write can still be caught in flight by a dying connection, and
// both libraries send such commands again after reconnecting (ioredis's
// autoResendUnfulfilledCommands, node-redis's unsent queue): a stale entry
// or an orphan lease long after the library gave up on it. So every write
// runs as a script that first compares Redis's own clock with the write's
// deadline (timeoutMs after it was issued, in Redis's clock, whose offset
// from ours is read with TIME once per connection), and does nothing late.

// Redis < 5 refuses writes after TIME in a script unless told to replicate
// effects; later versions always do.
const GUARD = `if redis.replicate_commands then redis.replicate_commands() end
local now = redis.call("TIME")
if now[1] * 1000 + math.floor(now[2] / 1000) > tonumber(ARGV[1]) then return -1 end
`;
const WRITE = {
  SET: GUARD + 'return redis.call("SET", KEYS[1], unpack(ARGV, 2))',
  DEL: GUARD + 'return redis.call("DEL", KEYS[1])',
  DELETE_IF: GUARD + 'if redis.call("GET", KEYS[1]) == ARGV[2] then return redis.call("DEL", KEYS[1]) end return 0',
};
const LATE = -1;

/**
 * @param {object} client an ioredis `Redis`/`Cluster` or a node-redis client (`createClient()`, connected)
 * @param {{ prefix?: string, timeoutMs?: number }} [options]
 */
export function redisStore(client, options = {}) {
  const { prefix = "", timeoutMs = 2000 } = options ?? {};
  if (typeof prefix !== "string") throw new TypeError("redisStore: options.prefix must be a string");
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new TypeError("redisStore: options.timeoutMs must be a positive number of milliseconds");
  }
  const redis = adapt(client);
  const send = (args) => bounded(redis, () => args, timeoutMs);
  const write = (script, key, args) => {
    // The deadline is the caller's: timeoutMs from this call, not from when
    // a connection came up, or a write resent after a reconnect could land
    // after the caller was told it failed.
    const issued = Date.now();
    return bounded(redis, async (sendNow) => {
      const deadline = issued + (await clockOffset(redis, sendNow)) + timeoutMs;
      return ["EVAL", script, "1", prefix + key, String(deadline), ...args];
    }, timeoutMs).then((reply) => {
      if (Number(reply) === LATE) throw new Error(`Redis (${redis.name}): the write arrived after its deadline`);
      return reply;
    });
  };
  const ttlArgs = (options) => {
    const ttl = options?.expirationTtl;
    return Number.isFinite(ttl) && ttl > 0 ? ["PX", String(Math.ceil(ttl * 1000))] : [];
  };
  return {
    async get(key) {
      const value = await send(["GET", prefix + key]);
      return value == null ? null : String(value);
    },
    async put(key, value, options) {
      await write(WRITE.SET, key, [value, ...ttlArgs(options)]);
    },
    async delete(key) {
      await write(WRITE.DEL, key, []);
    },
    async add(key, value, options) {
      return (await write(WRITE.SET, key, [value, "NX", ...ttlArgs(options)])) != null;
    },
    async deleteIf(key, value) {
      return Number(await write(WRITE.DELETE_IF, key, [value])) === 1;
    },
  };
}

/**
 * What each client's connection shares, however many stores are made over
 * it: one "ready" listener per client, not one per store or per waiting
 * command (a store made per request would otherwise add one each time, and
 * Node warns of a leak past ten).
 */
const connections = new WeakMap();

function connection(redis) {
  let state = connections.get(redis.client);
  if (!state) {
    state = { offset: null, ready: null, wake: null };
    connections.set(redis.client, state);
    redis.client.on?.("ready", () => {
      // Another connection, maybe to another server: its clock is read again.
      state.offset = null;
      const wake = state.wake;
      state.ready = state.wake = null;
      wake?.();
    });
  }
  return state;
}

/** Resolves when the client's connection is next ready (never, if it never is: callers bound it). */
function nextReady(redis) {
  const state = connection(redis);
  state.ready ??= new Promise((resolve) => {
    state.wake = resolve;
  });
  return state.ready;
}

/**
 * Redis's clock minus ours (ms), from TIME halfway through its round trip;
 * read once per connection.
 */
async function clockOffset(redis, sendNow) {
  const state = connection(redis);
  if (state.offset === null) {
    const before = Date.now();
    const [seconds, micros] = await sendNow(["TIME"]);
    const after = Date.now();
    state.offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (before + after) / 2;
  }
  return state.offset;
}

/** `{ name, client, send(args), isReady(), closed() }` for either client library. */
function adapt(client) {
  if (client == null || typeof client !== "object") {
    throw new TypeError("redisStore: pass an ioredis or node-redis client");
  }
  // node-redis (v4+): isOpen/isReady getters and sendCommand(array).
  if (typeof client.sendCommand === "function" && "isReady" in client && "isOpen" in client) {
    return {
      name: "node-redis",
      client,
      send: (args) => client.sendCommand(args),
      isReady: () => client.isReady,
      // Not open: the caller never connected it (node-redis needs
      // `await client.connect()`), or closed it. Waiting would not help.
      closed: () => (client.isOpen ? null : "the node-redis client is not open: call `await client.connect()` first"),
    };
  }
  // ioredis: a status string and call(command, ...args).
  if (typeof client.call === "function" && typeof client.status === "string") {
    return {
      name: "ioredis",
      client,
      send: (args) => client.call(...args),
      isReady: () => client.status === "ready",
      closed: () => {
        if (client.status === "end") return "the ioredis client has been closed (quit or disconnect)";
        // lazyConnect: nothing connects it until the first command.
        if (client.status === "wait") client.connect().catch(() => {});
        return null;
      },
    };
  }
  throw new TypeError("redisStore: the client is neither an ioredis nor a node-redis (v4 or later) client");
}

/**
 * Once the connection is ready, `prepare(sendNow)` gives the command to send
 * (it may send others first, with `sendNow`); fails after `timeoutMs` in all.
 */
function bounded(redis, prepare, timeoutMs) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    // A busy event loop runs expired timers before reading the sockets: a
    // reply that arrived in time would lose to its own time-out. So the
    // time-out waits for the I/O of the same turn (setImmediate runs after it).
    const timer = setTimeout(() => setImmediate(() => {
      const state = redis.isReady() ? "no reply" : "no connection";
      finish(reject, new Error(`Redis (${redis.name}): ${state} within ${timeoutMs} ms`));
    }), timeoutMs);
    // Nothing is sent once the caller has been told it failed.
    const sendNow = async (args) => {
      if (settled) throw new Error("timed out");
      return redis.send(args);
    };
    const go = () => {
      (async () => sendNow(await prepare(sendNow)))().then(
        (value) => finish(resolve, value),
        (error) => finish(reject, error),
      );
    };
    if (redis.isReady()) return go();
    const closed = redis.closed();
    if (closed) return finish(reject, new Error(`Redis (${redis.name}): ${closed}`));
    nextReady(redis).then(() => {
      if (!settled) go();
    });
  });
}
