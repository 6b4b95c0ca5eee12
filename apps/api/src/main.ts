import { loadConfig, type Config } from "./config.js";
import { startServer, type RunningServer } from "./server.js";

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

/**
 * SIGINT (Ctrl-C) and SIGTERM stop the service gracefully and exit 0, with the
 * service's own lines, also when they arrive while it is still starting. Under
 * `pnpm start` one Ctrl-C reaches the service more than once (from the
 * terminal, then forwarded by pnpm, which sends SIGTERM on a second SIGINT),
 * so every later signal is ignored: the shutdown timeout bounds the wait.
 */
let exiting = false;
const starting = startServer(config);
let running: RunningServer | undefined;
starting.then((server) => void (running = server), () => {}); // a failed start is reported below
async function exit(signal: NodeJS.Signals): Promise<void> {
  if (exiting) return;
  exiting = true;
  console.log(`${signal}: shutting down`);
  // A stuck peer must not keep the process alive forever.
  const deadline = setTimeout(() => {
    console.error(`shutdown took over ${config.SHUTDOWN_TIMEOUT_MS} ms (waiting for ${running?.shutdownStep() ?? "the start to finish"}); exiting`);
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  deadline.unref();
  try {
    await (await starting).shutdown();
    console.log("Settlement service stopped cleanly.");
    process.exit(0);
  } catch (error) {
    console.error("shutdown failed:", error);
    process.exit(1);
  }
}
process.on("SIGTERM", () => void exit("SIGTERM"));
process.on("SIGINT", () => void exit("SIGINT"));

const server = await starting;
if (!exiting) console.log(`Settlement service listening on ${server.url} (dashboard: ${server.url}/)`);
