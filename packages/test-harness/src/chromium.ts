import { execFile } from "node:child_process";
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The environment variable that names the browser executable; it wins over every other place. */
export const CHROMIUM_PATH_ENV = "CHROMIUM_PATH";

/** Where Chromium and Chrome usually live, searched in this order after `CHROMIUM_PATH`. */
export const CHROMIUM_CANDIDATES: readonly string[] = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/snap/bin/chromium",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/opt/google/chrome/chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

/** What the harness tells a user whose machine offers no browser and cannot install one. */
export const NO_CHROMIUM_MESSAGE = `No Chromium for the browser tests: install Debian's chromium (apt-get install chromium) or Google Chrome, or set ${CHROMIUM_PATH_ENV} to a Chromium or Chrome executable.`;

/** The flags every browser test launches Chromium with (headless, no sandbox for root in containers, no network chatter). */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

export interface FindChromiumOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default CHROMIUM_CANDIDATES */
  candidates?: readonly string[];
  /** Whether a path is an executable file. @default an `fs.accessSync(path, X_OK)` check */
  isExecutable?: (path: string) => boolean;
  /**
   * Installs a browser when none is found, or returns false when it cannot.
   * @default Debian's `chromium` with apt-get when running as root with apt, otherwise nothing
   */
  install?: () => Promise<boolean>;
}

/**
 * Finds the browser the tests drive, in this order: `CHROMIUM_PATH` (which must
 * then be executable), the usual install paths of Chromium and Chrome, then
 * Debian's `chromium` installed with apt-get when the process runs as root on
 * a machine with apt. Otherwise fails at once with {@link NO_CHROMIUM_MESSAGE}.
 */
export async function findChromium({
  env = process.env,
  candidates = CHROMIUM_CANDIDATES,
  isExecutable = executable,
  install = installDebianChromium,
}: FindChromiumOptions = {}): Promise<string> {
  const fromEnv = env[CHROMIUM_PATH_ENV];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`${CHROMIUM_PATH_ENV}=${fromEnv} is not an executable file. ${NO_CHROMIUM_MESSAGE}`);
  }
  const found = candidates.find(isExecutable);
  if (found) return found;
  if (await install()) {
    const installed = candidates.find(isExecutable);
    if (installed) return installed;
  }
  throw new Error(NO_CHROMIUM_MESSAGE);
}

/** What playwright-core's `chromium.launch` needs: the executable found by {@link findChromium} and {@link CHROMIUM_ARGS}. */
export async function chromiumLaunchOptions(options?: FindChromiumOptions): Promise<{ executablePath: string; args: string[] }> {
  return { executablePath: await findChromium(options), args: [...CHROMIUM_ARGS] };
}

/**
 * Time a test hook that calls {@link findChromium} should allow: the first run
 * on a machine without a browser downloads and installs it.
 */
export const CHROMIUM_SETUP_TIMEOUT_MS = 600_000;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const APT_GET = "/usr/bin/apt-get";
const INSTALL_LOCK = join(tmpdir(), "org-test-harness-chromium-install.lock");
const LOCK_WAIT_MS = 600_000;

/**
 * `apt-get update && apt-get install -y chromium`, when the process is root and
 * apt-get exists. Test files run in parallel workers (and other checkouts on
 * the same machine may run too), so one process installs while the others wait
 * on a lock directory, then look again.
 */
async function installDebianChromium(): Promise<boolean> {
  if (process.getuid?.() !== 0 || !executable(APT_GET)) return false;
  const release = await acquireLock();
  try {
    if (executable("/usr/bin/chromium")) return true;
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await run(APT_GET, ["-qq", "update"], env);
    await run(APT_GET, ["-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "install", "chromium"], env);
    return true;
  } finally {
    release();
  }
}

async function acquireLock(): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  const owner = join(INSTALL_LOCK, "pid");
  for (;;) {
    try {
      mkdirSync(INSTALL_LOCK);
      writeFileSync(owner, String(process.pid));
      return () => rmSync(INSTALL_LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (ownerIsGone(owner)) {
        rmSync(INSTALL_LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Gave up waiting for another process's Chromium install (lock ${INSTALL_LOCK}). ${NO_CHROMIUM_MESSAGE}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** A lock left by a process that died mid-install; a lock whose pid is not written yet is still being taken. */
function ownerIsGone(owner: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(owner, "utf8"));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const last = String(stderr).trim().split("\n").pop() ?? error.message;
      reject(new Error(`${command} ${args.join(" ")} failed: ${last}. ${NO_CHROMIUM_MESSAGE}`));
    });
  });
}
