// `wrangler dev` for startServer (server.mjs), through wrangler's programmatic API instead
// of its CLI. The hole it closes: the CLI always opens workerd's V8 inspector (its proxy on
// 127.0.0.1:9229 and workerd's own on a random port), with no authentication, and a gateway
// runs approved commands under another uid on this machine, so any of them could connect,
// evaluate JavaScript in the Worker and read `env` (the auth secret, the service token, the
// model key, the D1 and Durable Object bindings). Neither the CLI nor wrangler.toml's [dev]
// can switch it off; `unstable_startWorker` can (`dev.inspector: false`). A bench that
// profiles workerd asks for one with --inspector-port.
//
// The flags are the CLI's own spellings, parsed here into the same input the CLI builds
// (wrangler's setupDevEnv): --ip, --port, --persist-to, --var NAME:VALUE (plain text, shown
// as "(hidden)" like the CLI's), --env-file (secrets stay in files, never on a command line),
// --inspector-port, --assets, and --bundle (below). wrangler.toml (its [build] step, bindings, migrations) is read as by the
// CLI. No dev registry is given (`dev.registry`): wrangler passes one by default and then
// workerd also listens on a debug port any local uid may reach; nothing here binds to
// another local Worker.
//
// --bundle DIR runs the Worker as `wrangler deploy --dry-run --outdir DIR` built it, unbundled:
// a start then skips esbuild, most of its CPU. `npm test` builds once and every server of
// the run starts from it; `npm start` and a test run alone bundle the sources as the CLI does.
// The modules written beside index.js are the text ones wrangler.toml's [[rules]] name, under
// names wrangler prefixed with their hash, so the rule here matches them by extension.
//
// Run by the project's pinned Node (wrangler needs 22+). Its output is wrangler's own logger
// and the Worker's console, as the CLI prints them. SIGTERM ends it as it ends the CLI:
// miniflare's exit hook kills workerd, then the process exits.
import { once } from "node:events";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { unstable_startWorker } from "wrangler";

const { values } = parseArgs({
  options: {
    config: { type: "string" },
    ip: { type: "string" },
    port: { type: "string" },
    "persist-to": { type: "string" },
    var: { type: "string", multiple: true },
    "env-file": { type: "string", multiple: true },
    "inspector-port": { type: "string" },
    assets: { type: "string" },
    bundle: { type: "string" },
  },
  strict: true,
});

const port = (name) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value <= 0 || value > 65535)
    throw new Error(`--${name} needs a port, got ${values[name]}`);
  return value;
};

/** `NAME:VALUE` as the CLI's --var: the value is everything after the first colon. */
const bindings = Object.fromEntries(
  (values.var ?? []).map((spec) => {
    const at = spec.indexOf(":");
    if (at <= 0) throw new Error(`--var needs NAME:VALUE, got ${spec}`);
    return [spec.slice(0, at), { type: "plain_text", value: spec.slice(at + 1), hidden: true }];
  }),
);

/** An error as wrangler's CLI prints it (npm start shows lines with "✘"): a DevEnv error event holds its reason and cause. */
function describe(error) {
  if (error instanceof Error) return error.message;
  const { reason, cause } = error ?? {};
  return [reason, cause?.message].filter(Boolean).join(": ") || String(error);
}

try {
  const worker = await unstable_startWorker({
    config: values.config ?? join(process.cwd(), "wrangler.toml"),
    envFiles: values["env-file"],
    // A folder of static assets in place of wrangler.toml's `[assets] directory` (its other settings stay).
    ...(values.assets ? { assets: values.assets } : {}),
    bindings,
    ...(values.bundle
      ? {
          entrypoint: join(values.bundle, "index.js"),
          build: { bundle: false, moduleRules: [{ type: "Text", globs: ["**/*.sql", "**/*.md"], fallthrough: true }] },
        }
      : {}),
    dev: {
      server: { hostname: values.ip ?? "127.0.0.1", port: port("port") },
      inspector: values["inspector-port"] ? { hostname: "127.0.0.1", port: port("inspector-port") } : false,
      persist: values["persist-to"],
    },
  });
  // As the CLI's dev command: run until the session ends, and end with an error the session
  // could not get past (its address in use): `once` rejects on the DevEnv's "error" event.
  await once(worker.raw, "teardown");
} catch (error) {
  console.error(`✘ [ERROR] ${describe(error)}`);
  process.exit(1);
}
