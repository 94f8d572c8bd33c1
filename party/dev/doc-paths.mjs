// The docs name only paths that exist: a file or folder a doc cites in backticks or links to
// must be in the repository, or be one its build makes (a path .gitignore keeps out). A doc
// that still names a module after it moved or went is caught here (party/dev/test/doc-paths.test.ts).
import { spawnSync } from "node:child_process";
import { lstatSync, readFileSync } from "node:fs";
import { dirname, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The extensions that make a bare name in backticks a file (`derive.ts`), not a method (`inbox.get`) or a host. */
const FILE = /\.(ts|tsx|mts|cts|mjs|cjs|js|jsx|json|jsonc|md|sql|toml|css|html|sh|ya?ml|txt|webmanifest|tgz|svg|png)$/;
/** What a path may be made of: a code span with anything else is a command, a pattern or a placeholder. */
const PATHLIKE = /^[\w@.+-]+(\/[\w@.+-]+)*\/?$/;
const CODE = /`([^`\n]+)`/g;
/**
 * Names the docs give of files that are not the repository's: files the runtime writes in its
 * data and instance folders (runtime/README.md), an MCP client's own configuration
 * (docs/mcp.md), and OpenClaw's docs inside its pinned package (runtime/BRIDGE.md).
 */
const ELSEWHERE = ["openclaw.json", "tenant-users.json", "mcp.json", ".cursor/mcp.json"];
const ELSEWHERE_UNDER = ["docs/gateway/"];
const LINK = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

/**
 * The path-like tokens of a Markdown text, with their line: code spans that name a file or
 * a folder (`party/...`, `features/install.ts`, `kernel/`) and relative link targets.
 * Fenced blocks are left out (commands and diagrams).
 * @param {string} text
 * @param {string[]} tops the repository's top-level names (`party`, `client`, `README.md`, …)
 * @returns {{line: number, token: string, link: boolean}[]}
 */
export function pathTokens(text, tops) {
  const found = [];
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) return;
    for (const [, span] of line.matchAll(CODE)) {
      const token = span.replace(/:\d+(-\d+)?$/, "");
      if (!PATHLIKE.test(token) || token.startsWith("@") || /^\.\w+$/.test(token)) continue;
      if (ELSEWHERE.includes(token) || ELSEWHERE_UNDER.some((under) => token.startsWith(under))) continue;
      const top = token.split("/")[0];
      const rooted = tops.includes(top) && (token.includes("/") || top === token);
      // Folders and files; a slashed name with neither a known top nor an extension is a
      // package (`nostr-tools/pure`) or a MIME type.
      // A folder named alone (`tmp/`, `backups/`) is too common a name to place; `kernel/` is checked when it has a part before it.
      if (rooted || FILE.test(token) || (/.\/./.test(token.replace(/\/$/, "")) && token.endsWith("/")))
        found.push({ line: i + 1, token, link: false });
    }
    for (const [, target] of line.matchAll(LINK)) {
      if (/^[a-z][\w+.-]*:|^#|^\//i.test(target)) continue;
      const token = target.replace(/#.*$/, "");
      if (token) found.push({ line: i + 1, token, link: true });
    }
  });
  return found;
}

/**
 * The paths the docs name that the repository does not have.
 * @param {{path: string, text: string}[]} docs
 * @param {string[]} files every file of the repository (relative, `/`-separated)
 * @param {(paths: string[]) => Set<string>} ignored which of these paths .gitignore keeps out (built, generated)
 * @returns {string[]} "doc:line: path" for each one missing
 */
export function missingDocPaths(docs, files, ignored) {
  const fileSet = new Set(files);
  const folders = new Set();
  for (const file of files)
    for (let at = file.indexOf("/"); at > 0; at = file.indexOf("/", at + 1)) folders.add(file.slice(0, at));
  const tops = [...new Set(files.map((f) => f.split("/")[0]))];
  const exact = (path) => fileSet.has(path) || folders.has(path.replace(/\/$/, ""));
  // A name given from inside a part (`features/install.ts`, `kernel/`, `derive.ts`): some file or folder ends with it.
  const within = (name) => {
    const bare = name.replace(/\/$/, "");
    return files.some(
      (f) => f === bare || f.endsWith(`/${bare}`) || f.includes(`/${bare}/`) || f.startsWith(`${bare}/`),
    );
  };
  const pending = [];
  for (const doc of docs) {
    const here = posix.dirname(doc.path);
    for (const { line, token, link } of pathTokens(doc.text, tops)) {
      const fromDoc = posix.normalize(posix.join(here, token));
      const rooted = tops.includes(token.split("/")[0]);
      const ok = link ? exact(fromDoc) : exact(token) || exact(fromDoc) || (!rooted && within(token));
      if (ok) continue;
      // Reported as the doc's own folder reads it, unless it names a part from the top; built if either is ignored.
      const path = link || !rooted ? fromDoc : token;
      pending.push({ where: `${doc.path}:${line}`, path, candidates: link ? [fromDoc] : [token, fromDoc] });
    }
  }
  const built = ignored([...new Set(pending.flatMap((p) => p.candidates))]);
  return pending.filter((p) => !p.candidates.some((c) => built.has(c))).map((p) => `${p.where}: ${p.path}`);
}

/**
 * Which of these paths .gitignore keeps out, through any folder above them (`client/dist/x`
 * under `/client/dist`). git refuses a path beyond a symbolic link (the client's builds are
 * published through them), so the folders are asked up to the link.
 */
function gitIgnored(root, paths) {
  const asked = new Map();
  for (const path of paths) {
    const parts = path.replace(/\/$/, "").split("/");
    const above = [];
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      above.push(prefix);
      if (isLink(resolve(root, prefix))) break;
    }
    asked.set(path, above);
  }
  const all = [...new Set([...asked.values()].flat())];
  const out = spawnSync("git", ["check-ignore", "--no-index", "--stdin"], {
    cwd: root,
    encoding: "utf8",
    input: all.join("\n"),
  });
  if (out.status !== 0 && out.status !== 1) throw new Error(`git check-ignore failed: ${out.stderr}`);
  const hit = new Set(out.stdout.split("\n").filter(Boolean));
  return new Set(paths.filter((path) => asked.get(path).some((prefix) => hit.has(prefix))));
}

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The missing paths of the repository's own Markdown (README.md, docs/, and every other tracked .md). */
export function repositoryDocProblems(root = ROOT) {
  const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  })
    .stdout.split("\n")
    .filter(Boolean);
  const docs = files
    .filter((f) => f.endsWith(".md"))
    .flatMap((path) => {
      try {
        return [{ path, text: readFileSync(resolve(root, path), "utf8") }];
      } catch {
        return []; // deleted in the work tree, still in the index
      }
    });
  return missingDocPaths(docs, files, (paths) => gitIgnored(root, paths));
}
