import { expect, test } from "vitest";
import { CHROMIUM_ARGS, NO_CHROMIUM_MESSAGE, chromiumLaunchOptions, findChromium } from "./chromium.js";

// The machine's own browser never matters here: candidates, the executable check and the installer are injected.
const candidates = ["/a/chromium", "/b/chrome"];
const only =
  (...present: string[]) =>
  (path: string) =>
    present.includes(path);
const noInstall = async () => false;
const mustNotInstall = async (): Promise<boolean> => {
  throw new Error("install attempted although a browser was found");
};

test("CHROMIUM_PATH wins over every usual path", async () => {
  const found = findChromium({ env: { CHROMIUM_PATH: "/mine/chrome" }, candidates, isExecutable: only("/mine/chrome", "/a/chromium"), install: mustNotInstall });
  await expect(found).resolves.toBe("/mine/chrome");
});

test("a CHROMIUM_PATH that is not executable fails at once and names the variable, without looking elsewhere", async () => {
  const found = findChromium({ env: { CHROMIUM_PATH: "/typo/chrome" }, candidates, isExecutable: only("/a/chromium"), install: mustNotInstall });
  await expect(found).rejects.toThrow("CHROMIUM_PATH=/typo/chrome is not an executable file.");
});

test("without CHROMIUM_PATH the usual paths are searched in order", async () => {
  await expect(findChromium({ env: {}, candidates, isExecutable: only("/a/chromium", "/b/chrome"), install: mustNotInstall })).resolves.toBe("/a/chromium");
  await expect(findChromium({ env: {}, candidates, isExecutable: only("/b/chrome"), install: mustNotInstall })).resolves.toBe("/b/chrome");
});

test("with no browser anywhere the installer runs, then the usual paths are searched again", async () => {
  const present: string[] = [];
  let installs = 0;
  const install = async () => {
    installs += 1;
    present.push("/b/chrome");
    return true;
  };
  await expect(findChromium({ env: {}, candidates, isExecutable: (path) => present.includes(path), install })).resolves.toBe("/b/chrome");
  expect(installs).toBe(1);
});

test("with no browser and no way to install one it fails with one line that says what to install", async () => {
  await expect(findChromium({ env: {}, candidates, isExecutable: only(), install: noInstall })).rejects.toThrow(NO_CHROMIUM_MESSAGE);
  expect(NO_CHROMIUM_MESSAGE).not.toContain("\n");
  expect(NO_CHROMIUM_MESSAGE).toContain("apt-get install chromium");
  expect(NO_CHROMIUM_MESSAGE).toContain("CHROMIUM_PATH");
});

test("an installer that reports success but leaves no browser on the usual paths still fails with the message", async () => {
  await expect(findChromium({ env: {}, candidates, isExecutable: only(), install: async () => true })).rejects.toThrow(NO_CHROMIUM_MESSAGE);
});

test("the launch options carry the found executable and the shared flags", async () => {
  const options = await chromiumLaunchOptions({ env: {}, candidates, isExecutable: only("/b/chrome"), install: mustNotInstall });
  expect(options).toEqual({ executablePath: "/b/chrome", args: [...CHROMIUM_ARGS] });
  expect(options.args).toContain("--headless");
});
