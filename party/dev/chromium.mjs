// One way to get a Chromium for the browser tests and the canvas benchmark, on any machine
// that ran `npm install`: CHROMIUM_PATH if set, else a Chromium or Chrome on PATH, else the
// one `@sparticuz/chromium` ships inside its npm package (x64 Linux only). Never a browser
// download at run time, and no apt package needed.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { chromium } from "playwright-core";

const SYSTEM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
const COMMON_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Where the browser comes from, and the flags it needs. */
export async function findChromium() {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return { executablePath: configured, args: COMMON_ARGS, source: "CHROMIUM_PATH" };
  }
  for (const name of SYSTEM_NAMES) {
    const found = onPath(name);
    if (found) return { executablePath: found, args: COMMON_ARGS, source: "system" };
  }
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `no Chromium found: install Chromium or Chrome, or set CHROMIUM_PATH (the bundled @sparticuz/chromium is x64 Linux only; this is ${process.platform}/${process.arch})`,
    );
  }
  const { default: bundled } = await import("@sparticuz/chromium");
  // executablePath() unpacks the brotli-compressed browser into the temp dir once. Its own
  // `args` are for serverless hosts (--single-process, --disable-web-security, …): not
  // taken, so the app runs under the same origin rules as in a real browser.
  return { executablePath: await bundled.executablePath(), args: COMMON_ARGS, source: "@sparticuz/chromium" };
}

/** Launches a headless Chromium (see findChromium for where it comes from). */
export async function launchChromium() {
  const { executablePath, args } = await findChromium();
  return chromium.launch({ executablePath, args, headless: true });
}
