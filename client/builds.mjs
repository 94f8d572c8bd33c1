// Where client/build.mjs puts what it builds, and how a server takes it, so that servers and
// builds from one checkout never pull files from under each other.
// - Every build writes into a folder of its own, `client/.builds/<pid>-<random>/` (`dist/`: the
//   Worker's assets; `package/`: the client package, with its `dist/`).
// - It is published by pointing two symlinks at it, `client/dist` (wrangler.toml's assets) and
//   `client/package/dist` (the CLI in client/bin), each swapped by one rename: a reader sees the
//   whole previous build or the whole new one, never an emptied or half-written folder.
// - A server serves a copy taken at its start (copyAssetsForServer): wrangler dev reads its
//   assets folder live and reloads when it changes, so a later build changes nothing under it.
// - The next build removes the folders of earlier builds that no symlink points at and whose
//   builder has exited (a builder still running is still making its folder). It renames such a
//   folder away before deleting it, so a copy reading it fails and starts again from the
//   current build instead of taking half of the old one.
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const CLIENT = fileURLToPath(new URL(".", import.meta.url));
export const BUILDS = join(CLIENT, ".builds");
/** What the Worker serves as static assets (wrangler.toml `[assets]`). */
export const ASSETS_LINK = join(CLIENT, "dist");
/** The client package's bundles and types (client/package, and the CLI in client/bin). */
export const PACKAGE_DIST_LINK = join(CLIENT, "package", "dist");

const unique = () => randomBytes(6).toString("hex");

/** A new, empty folder for one build, named after this process. */
export function newBuildDir() {
  mkdirSync(BUILDS, { recursive: true });
  const dir = join(BUILDS, `${process.pid}-${unique()}`);
  mkdirSync(dir);
  return dir;
}

/** Points `link` at `target` with one rename. A real folder there (a build from before builds were swapped) is moved aside first, once. */
function swapLink(link, target) {
  const temporary = `${link}.${unique()}.new`;
  symlinkSync(relative(dirname(link), target), temporary);
  for (let attempt = 1; ; attempt++) {
    try {
      renameSync(temporary, link);
      return;
    } catch (error) {
      if (error.code !== "EISDIR" && error.code !== "ENOTEMPTY" && error.code !== "EEXIST") {
        rmSync(temporary, { force: true });
        throw error;
      }
      if (attempt === 3) throw error;
    }
    try {
      renameSync(link, join(BUILDS, `old-${unique()}`));
    } catch (error) {
      // Another build moved it aside first.
      if (error.code !== "ENOENT") throw error;
    }
  }
}

/** The build folder a symlink points at, by name; undefined when it points at none. */
function publishedBuild(link) {
  try {
    const [name, ...inside] = relative(realpathSync(BUILDS), realpathSync(link)).split(sep);
    return name && name !== ".." && inside.length > 0 ? name : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return error.code === "EPERM";
  }
}

/** Removes the folders of earlier builds that nothing publishes and nobody is still making. */
function pruneBuilds() {
  for (const name of readdirSync(BUILDS)) {
    const builder = /^(\d+)-/.exec(name);
    if (builder && isRunning(Number(builder[1]))) continue;
    // Read after the builder is known to have exited: it published before exiting, so a
    // build that is current is seen as current here.
    if (name === publishedBuild(ASSETS_LINK) || name === publishedBuild(PACKAGE_DIST_LINK)) continue;
    const trash = join(BUILDS, name.startsWith(".trash-") ? name : `.trash-${unique()}`);
    try {
      if (trash !== join(BUILDS, name)) renameSync(join(BUILDS, name), trash);
      rmSync(trash, { recursive: true, force: true });
    } catch {
      // Another build is removing it.
    }
  }
}

/** Publishes a finished build (its `dist/` and `package/dist/`), then removes the builds it replaces. */
export function publishBuild(dir) {
  swapLink(PACKAGE_DIST_LINK, join(dir, "package", "dist"));
  swapLink(ASSETS_LINK, join(dir, "dist"));
  pruneBuilds();
}

const SERVER_COPY_PREFIX = "autopilot-assets-";

/**
 * A copy of the assets for one server, in a folder of its own under the system's temporary
 * folder, named after this process: the published build's, or `source`'s when given. A copy
 * that loses its source to a newer build's clean-up starts again from the build now
 * published. Copies left by processes that are gone (a start killed before it could clean
 * up) are removed first. Returns the copy's path; the caller removes it when its server stops.
 */
export async function copyAssetsForServer(source) {
  for (const name of readdirSync(tmpdir())) {
    const owner = new RegExp(`^${SERVER_COPY_PREFIX}(\\d+)-`).exec(name);
    if (!owner || isRunning(Number(owner[1]))) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Another user's copy (the sticky temporary folder refuses it): theirs to remove.
    }
  }
  const destination = join(mkdtempSync(join(tmpdir(), `${SERVER_COPY_PREFIX}${process.pid}-`)), "dist");
  if (source) {
    cpSync(source, destination, { recursive: true });
    return destination;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      cpSync(realpathSync(ASSETS_LINK), destination, { recursive: true, errorOnExist: true, force: false });
      return destination;
    } catch (error) {
      rmSync(destination, { recursive: true, force: true });
      if (error.code !== "ENOENT") throw error;
      if (attempt === 5) throw new Error(`no client build at ${ASSETS_LINK}: run \`npm run build\` (${error.message})`);
      // Moments between a folder moved aside and the symlink in its place (the first swap in an older checkout).
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
