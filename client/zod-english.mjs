// What every client build reduces zod to: the app's and the package's (client/build.mjs) and the
// kept clients' (client/test/kept/keep.mjs).
import { dirname, join } from "node:path";

const isZod = (importer) => /[\\/]node_modules[\\/]zod[\\/]/.test(importer ?? "");

/**
 * `import { z } from "zod"` keeps the whole namespace alive, including `z.locales`: every
 * translation of every error message, over half the bundle. Nothing here switches locale,
 * so the namespace is reduced to English (which zod registers by default anyway).
 */
export const englishOnlyZod = {
  name: "english-only-zod",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      isZod(args.importer) ? { path: join(dirname(args.importer), args.path), namespace: "zod-locales" } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from "./en.js";`,
      resolveDir: dirname(args.path),
    }));
  },
};

/** The same reduction for the app's Vite (rolldown) build. */
export const englishOnlyZodVite = {
  name: "english-only-zod",
  enforce: "pre",
  resolveId(source, importer) {
    if (!/\/locales\/index\.js$/.test(source) || !isZod(importer)) return null;
    return `\0zod-locales:${join(dirname(importer), source)}`;
  },
  load(id) {
    if (!id.startsWith("\0zod-locales:")) return null;
    const en = join(dirname(id.slice("\0zod-locales:".length)), "en.js");
    return `export { default as en } from ${JSON.stringify(en)};`;
  },
};
