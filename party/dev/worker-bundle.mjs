// The Worker as `wrangler deploy` would upload it, without uploading (`--dry-run`; wrangler
// runs wrangler.toml's [build] first): for tests that check what the bundle is made of
// (wrangler.toml [alias]es).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./server.mjs";

/** The bundled Worker's source text. */
export function workerBundle() {
  const out = mkdtempSync(join(tmpdir(), "autopilot-bundle-"));
  try {
    const result = spawnSync(join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", out], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${result.status}):\n${result.stderr}`);
    return readFileSync(join(out, "index.js"), "utf8");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
