#!/usr/bin/env node
// The package's `bin`: `npx vendor-auth token emnify`. See ./main.js and the
// README's "Command line" section.
import { main } from "./main.js";

const code = await main(process.argv.slice(2));
// Exit once what was written has been handed over, without waiting for the
// timers a client may still hold (a renewal scheduled for later).
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
