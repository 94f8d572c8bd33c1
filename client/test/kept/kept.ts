// The kept clients (keep.mjs) are stored as released bundles, gzip-compressed: a kept client is
// an artifact, never code anyone edits. A test asks for a file by version and name; it is
// unpacked beside its archive (ignored by git), where its dependencies resolve from the
// repository's node_modules as the package's would, and again whenever the archive changed.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const KEPT = fileURLToPath(new URL(".", import.meta.url));

/** The kept clients' versions, found by listing client/test/kept/. */
export const KEPT_VERSIONS: readonly number[] = readdirSync(KEPT)
  .map((name) => /^protocol-(\d+)$/.exec(name))
  .filter((match) => match !== null && statSync(join(KEPT, match[0])).isDirectory())
  .map((match) => Number(match![1]))
  .sort((a, b) => a - b);

/** The path of a kept client's library (`index.mjs`) or CLI (`cli.mjs`), unpacked. */
export function keptFile(version: number, name: "index.mjs" | "cli.mjs"): string {
  const file = join(KEPT, `protocol-${version}`, name);
  const archive = `${file}.gz`;
  if (!existsSync(archive)) throw new Error(`no client is kept for protocol ${version} (${archive})`);
  const bytes = gunzipSync(readFileSync(archive));
  if (!existsSync(file) || !readFileSync(file).equals(bytes)) writeFileSync(file, bytes);
  return file;
}
