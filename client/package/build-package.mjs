// Builds what the client package ships besides its bundles (client/build.mjs makes those):
// one rolled-up `index.d.ts`, and the packed tarball the Worker serves as
// /autopilot-client.tgz, so an agent anywhere installs the client of the server it talks to.
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
const manifest = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));

/** Resolved by the installer, never bundled. */
export const PACKAGE_DEPENDENCIES = Object.keys(manifest.dependencies);

/**
 * A copy of the package's own files (manifest, README, bin) in `<buildDir>/package/`, where the
 * build adds `dist/` and packs it: each build packs its own folder, so builds running at once
 * never pack or remove each other's files.
 */
export function stagePackage(buildDir) {
  const staged = join(buildDir, "package");
  mkdirSync(join(staged, "dist"), { recursive: true });
  for (const name of ["package.json", "README.md", "bin"])
    cpSync(join(here, name), join(staged, name), { recursive: true });
  return staged;
}

/** The rolled-up `index.d.ts` in `<packageDir>/dist/`. */
export async function buildPackageTypes(packageDir) {
  const types = join(packageDir, "dist", ".types");
  // TypeScript 7 emits the declarations; it has no compiler API for a roll-up, so API
  // Extractor (which brings its own TypeScript) joins them into the one file consumers
  // resolve whatever their module resolution (the emitted files import without extensions).
  execFileSync(
    join(root, "node_modules", ".bin", "tsc"),
    ["-p", join(here, "tsconfig.types.json"), "--outDir", types],
    { stdio: "inherit" },
  );
  const entry = join(types, "client", "src", "index.d.ts");
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: here,
      mainEntryPointFilePath: entry,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            module: "esnext",
            moduleResolution: "bundler",
            lib: ["ES2023", "DOM"],
            types: ["node"],
            skipLibCheck: true,
          },
          files: [entry],
        },
      },
      dtsRollup: { enabled: true, untrimmedFilePath: join(packageDir, "dist", "index.d.ts") },
      apiReport: { enabled: false },
      docModel: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        extractorMessageReporting: { default: { logLevel: "none" } },
        compilerMessageReporting: { default: { logLevel: "warning" } },
        tsdocMessageReporting: { default: { logLevel: "none" } },
      },
    },
    configObjectFullPath: join(here, "api-extractor.json"),
    packageJsonFullPath: join(here, "package.json"),
  });
  // Its progress lines ("Analysis will use…") are info; warnings and errors still print.
  const result = Extractor.invoke(config, {
    localBuild: true,
    showVerboseMessages: false,
    messageCallback: (message) => {
      if (message.logLevel === "info") message.handled = true;
    },
  });
  rmSync(types, { recursive: true, force: true });
  if (!result.succeeded) throw new Error(`the client package's types did not roll up (${result.errorCount} errors)`);
}

/** `npm pack` of the staged package, renamed to a name that does not change with the version. */
export function packPackage(packageDir, destination) {
  const out = execFileSync("npm", ["pack", packageDir, "--pack-destination", destination, "--json", "--silent"], {
    encoding: "utf8",
  });
  const [{ filename }] = JSON.parse(out);
  renameSync(join(destination, filename), join(destination, "autopilot-client.tgz"));
}
