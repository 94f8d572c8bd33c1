// What a gateway runs, as root: copied out of the checkout into a root-owned directory every
// tenant user can read, so a checkout inside a private (0700) directory still starts gateways
// under their own uids, and the start-up check names the cause and the fix when they cannot.
// A small stand-in for the openclaw package (an `openclaw.mjs` that prints a line) keeps it
// fast; the real gateway runs from the copy in e2e-tenant-isolation.test.ts. Needs root.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_GATEWAY_FILES_DIR, defaultDataDir, REPO_ROOT, WATCHDOG_MODULE } from "../src/config";
import {
  checkTenantCanRun,
  gatewayFilesKey,
  inPlaceGatewayFiles,
  PROBE_UID,
  prepareGatewayFiles,
  type GatewayFiles,
  type GatewaySources,
} from "../src/gateway-files";
import { closeLocalSecrets } from "../src/local-secrets";
import { isolationMode, TENANT_UID_BASE } from "../src/tenant-users";

const TENANT = TENANT_UID_BASE + 17;
let scratch: string;
/** A checkout where only root may pass, as a clone under /root or in a `mktemp -d` folder. */
let privateCheckout: string;
let sources: GatewaySources;
let filesRoot: string;
let instancesDir: string;

/** Starts "a gateway" from these files exactly as the host does (watchdog preloaded), as a tenant's uid. */
function runAsTenant(files: GatewayFiles) {
  return spawnSync(
    files.node,
    ["--import", pathToFileURL(files.watchdog).href, files.openclawEntry, "gateway", "run"],
    { uid: TENANT, gid: TENANT, cwd: "/", env: {}, encoding: "utf8" },
  );
}

beforeAll(() => {
  if (isolationMode() !== "separate-users")
    throw new Error("this test needs root: separate OS users per instance exist only then");
  scratch = mkdtempSync(join(tmpdir(), "runtime-files-"));
  chmodSync(scratch, 0o755);
  privateCheckout = join(scratch, "private", "checkout");
  const modules = join(privateCheckout, "runtime", "openclaw", "node_modules");
  mkdirSync(join(modules, "openclaw"), { recursive: true });
  mkdirSync(join(modules, "dep"));
  writeFileSync(join(modules, ".package-lock.json"), '{"name":"openclaw-runtime","lockfileVersion":3}');
  writeFileSync(join(modules, "dep", "index.mjs"), 'export const word = "started";\n');
  writeFileSync(
    join(modules, "openclaw", "openclaw.mjs"),
    'import { word } from "../dep/index.mjs";\nconsole.log("gateway " + word + " as " + process.getuid());\n',
  );
  mkdirSync(join(privateCheckout, "node_modules", "node", "bin"), { recursive: true });
  const node = join(privateCheckout, "node_modules", "node", "bin", "node");
  copyFileSync(process.execPath, node);
  chmodSync(node, 0o755);
  chmodSync(join(scratch, "private"), 0o700);
  sources = { node, openclawEntry: join(modules, "openclaw", "openclaw.mjs"), watchdog: WATCHDOG_MODULE };
  filesRoot = join(scratch, "files");
  instancesDir = join(scratch, "instances");
  mkdirSync(instancesDir, { mode: 0o711 });
  chmodSync(instancesDir, 0o711);
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("gateway files for tenant users", () => {
  it("from a checkout in a 0700 directory, a tenant's uid cannot even start Node: the check says why and what to do", () => {
    const inPlace = inPlaceGatewayFiles(sources);
    const direct = runAsTenant(inPlace);
    expect(direct.error?.message ?? direct.stderr).toMatch(/EACCES|permission denied/i);
    expect(() => checkTenantCanRun(inPlace, instancesDir)).toThrow(
      /such a user cannot start one: .*(EACCES|permission denied).*Fix: /i,
    );
  });

  it("a root-owned copy outside the checkout runs as the tenant's uid, and passes the start-up check", () => {
    const files = prepareGatewayFiles(filesRoot, sources);
    expect(files.dir?.startsWith(`${filesRoot}/gateway-`)).toBe(true);
    const run = runAsTenant(files);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe(`gateway started as ${TENANT}`);
    expect(() => checkTenantCanRun(files, instancesDir)).not.toThrow();
    for (const path of [
      files.dir!,
      files.node,
      files.openclawEntry,
      files.watchdog,
      join(files.dir!, "openclaw", "node_modules", "dep"),
    ]) {
      const stat = statSync(path);
      expect([path, stat.uid, stat.mode & 0o022]).toEqual([path, 0, 0]); // root's, nobody else writes
      expect(stat.mode & 0o004).toBe(0o004); // everyone reads
    }
  });

  it("reuses a finished copy, and replaces an unfinished or planted one", () => {
    const first = prepareGatewayFiles(filesRoot, sources);
    const marker = statSync(join(first.dir!, ".complete"));
    expect(statSync(join(prepareGatewayFiles(filesRoot, sources).dir!, ".complete")).ino).toBe(marker.ino);
    // A tenant could have written there had the directory been open: one that is not
    // root's and closed is never run from.
    writeFileSync(first.openclawEntry, 'console.log("planted");\n');
    chmodSync(first.dir!, 0o777);
    const again = prepareGatewayFiles(filesRoot, sources);
    expect(runAsTenant(again).stdout.trim()).toBe(`gateway started as ${TENANT}`);
    expect(statSync(again.dir!).mode & 0o777).toBe(0o755);
  });

  it("a new version of what it copies makes a new copy", () => {
    const before = gatewayFilesKey(sources);
    const lock = join(privateCheckout, "runtime", "openclaw", "node_modules", ".package-lock.json");
    const text = readFileSync(lock, "utf8");
    writeFileSync(lock, text.replace("}", ',"packages":{}}'));
    try {
      expect(gatewayFilesKey(sources)).not.toBe(before);
    } finally {
      writeFileSync(lock, text);
    }
  });

  it("refuses a files directory that others may write, naming the setting", () => {
    const open = join(scratch, "open-files");
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    expect(() => prepareGatewayFiles(open, sources)).toThrow(/RUNTIME_GATEWAY_FILES_DIR/);
  });

  it("the probe's uid is nobody's: past the tenants' range", () => {
    expect(PROBE_UID).toBeGreaterThan(TENANT_UID_BASE);
    expect(spawnSync("id", ["-u"], { uid: PROBE_UID, gid: PROBE_UID, encoding: "utf8" }).stdout.trim()).toBe(
      String(PROBE_UID),
    );
  });
});

describe("where gateways live", () => {
  it("as root, instance directories (the gateways' HOME and working directories) are outside the checkout; without root, inside it as before", () => {
    const asRoot = defaultDataDir(0);
    expect(isAbsolute(asRoot)).toBe(true);
    expect(asRoot.startsWith(`${REPO_ROOT}/`)).toBe(false);
    expect(defaultDataDir(0)).toBe(asRoot); // stable: the same checkout finds its instances again
    expect(defaultDataDir(1000)).toBe(join(".data", "runtime"));
    expect(DEFAULT_GATEWAY_FILES_DIR.startsWith(`${REPO_ROOT}/`)).toBe(false);
  });
});

describe("local secrets closed at start", () => {
  it("makes .dev.vars and .env files 0600 and local state 0700, opens only the state dir holding the data dir to traversal, leaves links alone", () => {
    const checkout = join(scratch, "secrets-checkout");
    mkdirSync(join(checkout, ".wrangler", "state"), { recursive: true, mode: 0o755 });
    mkdirSync(join(checkout, ".data", "runtime"), { recursive: true, mode: 0o755 });
    for (const name of [".dev.vars", ".env", ".env.local", "README.md"])
      writeFileSync(join(checkout, name), "SECRET=1\n", { mode: 0o644 });
    const changed = closeLocalSecrets(checkout, join(checkout, ".data", "runtime"));
    const mode = (name: string) => statSync(join(checkout, name)).mode & 0o777;
    expect([mode(".dev.vars"), mode(".env"), mode(".env.local"), mode("README.md")]).toEqual([
      0o600, 0o600, 0o600, 0o644,
    ]);
    expect([mode(".wrangler"), mode(".data")]).toEqual([0o700, 0o711]);
    expect(changed).toHaveLength(5);
    expect(closeLocalSecrets(checkout, "/elsewhere")).toEqual([join(checkout, ".data")]);
    expect(mode(".data")).toBe(0o700);
    const read = spawnSync("cat", [join(checkout, ".dev.vars")], { uid: TENANT, gid: TENANT, encoding: "utf8" });
    expect(read.stderr).toContain("Permission denied");
  });
});
