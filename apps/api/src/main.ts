import { loadConfig, type Config } from "./config.js";
import { startServer } from "./server.js";

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const server = await startServer(config);
console.log(`Settlement service listening on ${server.url} (dashboard: ${server.url}/)`);

let exiting = false;
async function exit(signal: string): Promise<void> {
  if (exiting) return;
  exiting = true;
  console.log(`${signal}: shutting down`);
  // A stuck peer must not keep the process alive forever.
  const deadline = setTimeout(() => {
    console.error(`shutdown took over ${config.SHUTDOWN_TIMEOUT_MS} ms; exiting`);
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  deadline.unref();
  try {
    await server.shutdown();
    process.exit(0);
  } catch (error) {
    console.error("shutdown failed:", error);
    process.exit(1);
  }
}
process.once("SIGTERM", () => void exit("SIGTERM"));
process.once("SIGINT", () => void exit("SIGINT"));
