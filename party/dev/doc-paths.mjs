// The docs name only paths that exist: a file or folder a doc cites in backticks or links to
// must be in the repository, or be one its build makes (a path .gitignore keeps out). A doc
// that still names a module after it moved or went is caught here (party/dev/test/doc-paths.test.ts),
// and so is a comment in the parts' source that does (below: what counts as a path there).
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
 * a folder (`party/...`, `features/inbox/derive.ts`, `kernel/`) and relative link targets.
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
  const { fileSet, folders, tops } = layout(files);
  const exact = (path) => fileSet.has(path) || folders.has(path.replace(/\/$/, ""));
  // A name given from inside a part (`features/inbox/derive.ts`, `kernel/`, `derive.ts`): some file or folder ends with it.
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
  return unlessBuilt(pending, ignored);
}

/**
 * The repository's shape as both checks read it: its files, every folder above one, and its
 * top-level names (`party`, `client`, `README.md`, …).
 * @param {string[]} files
 */
function layout(files) {
  const folders = new Set();
  for (const file of files)
    for (let at = file.indexOf("/"); at > 0; at = file.indexOf("/", at + 1)) folders.add(file.slice(0, at));
  return { fileSet: new Set(files), folders, tops: [...new Set(files.map((f) => f.split("/")[0]))] };
}

/**
 * The missing paths as "where: path", less those a build makes (a candidate .gitignore keeps
 * out), asked once for all of them.
 * @param {{where: string, path: string, candidates: string[]}[]} pending
 * @param {(paths: string[]) => Set<string>} ignored
 */
function unlessBuilt(pending, ignored) {
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

/** The repository's files: tracked, and new ones not ignored. */
function trackedFiles(root) {
  return spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean);
}

/** The texts of these files of the repository. */
function readAll(root, paths) {
  return paths.flatMap((path) => {
    try {
      return [{ path, text: readFileSync(resolve(root, path), "utf8") }];
    } catch {
      return []; // deleted in the work tree, still in the index
    }
  });
}

/** The missing paths of the repository's own Markdown (README.md, docs/, and every other tracked .md). */
export function repositoryDocProblems(root = ROOT) {
  const files = trackedFiles(root);
  const docs = readAll(
    root,
    files.filter((f) => f.endsWith(".md")),
  );
  return missingDocPaths(docs, files, (paths) => gitIgnored(root, paths));
}

// Comments in the source name paths too ("the rules are in shared/approval-policy.ts"), and
// drift the same way. What counts as a path in a comment is narrower than in a doc (prose has
// "read/write" and "and/or"): a run of path characters with a `/` that starts with one of the
// repository's top-level names, or with `./` or `../`, or (named from inside a part) ends with
// a file's extension. URLs, globs and placeholders (`e2e-*.test.ts`, `<room>/`) are left out.

/** The source files whose comments are read: the parts' TypeScript and modules. */
const SOURCE = /^(party|client|shared|runtime)\/.*\.(ts|tsx|mjs)$/;
/** Path characters; a run of them with a `/` is a candidate. */
const RUN = /[\w@.+~-]*\/[\w@.+~/-]*/g;
/** Keywords after which a `/` starts a regular expression, not a division. */
const WHITE = /\s/;
const WORD = /[\w$]/;
const BEFORE_REGEX = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);

/**
 * The comments of a JavaScript or TypeScript text, each with the line it starts on: `//` to the
 * end of the line and `/* … *\/`, skipping strings, template literals (their `${}` parts are
 * code again) and regular expressions (a `/` where a value may start).
 * @param {string} text
 * @returns {{line: number, text: string}[]}
 */
export function sourceComments(text) {
  const found = [];
  /** Brace depths at which a template literal's `${` opened: its `}` goes back into the template. */
  const templates = [];
  let depth = 0;
  const n = text.length;
  /** From inside a template literal: past its end, or past a `${` (code again). */
  const template = (from) => {
    for (let k = from; k < n; k++) {
      const c = text[k];
      if (c === "\\") k++;
      else if (c === "`") return k + 1;
      else if (c === "$" && text[k + 1] === "{") {
        templates.push(depth++);
        return k + 2;
      }
    }
    return n;
  };
  /** Whether a `/` at `at` starts a regular expression: where a value may start, not after one. */
  const startsRegex = (at) => {
    let k = at - 1;
    while (k >= 0 && WHITE.test(text[k])) k--;
    if (k < 0 || "(,=:[!&|?{};+-*%<>~^".includes(text[k])) return true;
    let from = k;
    while (from >= 0 && WORD.test(text[from])) from--;
    return from < k && BEFORE_REGEX.has(text.slice(from + 1, k + 1));
  };
  const special = /[/"'`{}]/g;
  let i = 0;
  while (i < n) {
    special.lastIndex = i;
    const hit = special.exec(text);
    if (!hit) break;
    i = hit.index;
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      found.push({ at: i, text: text.slice(i + 2, stop) });
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      found.push({ at: i, text: text.slice(i + 2, end === -1 ? n : end) });
      i = end === -1 ? n : end + 2;
    } else if (c === "/" && startsRegex(i)) {
      // To its closing `/` (not one in a character class), on this line.
      let k = i + 1;
      let inClass = false;
      for (; k < n && text[k] !== "\n"; k++) {
        const r = text[k];
        if (r === "\\") k++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
      }
      i = k + 1;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < n && text[k] !== c && text[k] !== "\n") k += text[k] === "\\" ? 2 : 1;
      i = k + 1;
    } else if (c === "`") i = template(i + 1);
    else if (c === "{") {
      depth++;
      i++;
    } else if (c === "}") {
      depth--;
      if (templates.length > 0 && templates[templates.length - 1] === depth) {
        templates.pop();
        i = template(i + 1);
      } else i++;
    } else i++;
  }
  // Each comment's line, counted once through the text.
  let line = 1;
  let counted = 0;
  return found.map(({ at, text: body }) => {
    for (let k = text.indexOf("\n", counted); k !== -1 && k < at; k = text.indexOf("\n", k + 1)) line++;
    counted = at;
    return { line, text: body };
  });
}

/**
 * The path-like tokens of a source file's comments, with their line: runs with a `/` that
 * start at a top-level name (`party/…`, `docs/…`) or at `./`/`../`, or end with a file's
 * extension (`features/model/usage.ts`); not URLs, globs or placeholders.
 * @param {string} text
 * @param {string[]} tops
 * @returns {{line: number, token: string}[]}
 */
export function commentPathTokens(text, tops) {
  const found = [];
  for (const comment of sourceComments(text)) {
    if (!comment.text.includes("/")) continue;
    const lines = comment.text.split("\n");
    lines.forEach((content, offset) => {
      for (const match of content.matchAll(RUN)) {
        const start = match.index;
        const end = start + match[0].length;
        const before = content[start - 1] ?? " ";
        const after = content[end] ?? " ";
        // A URL (`https://…`), a glob or a placeholder around it, a specifier quoted from code.
        if ("*<{$/".includes(after) || ":*>}$\"'".includes(before)) continue;
        const token = match[0].replace(/[.]+$/, "");
        if (!token.includes("/") || token.includes("//") || token.startsWith("/") || token.startsWith("~")) continue;
        if (token.startsWith("@") || ELSEWHERE.includes(token) || ELSEWHERE_UNDER.some((u) => token.startsWith(u)))
          continue;
        const top = token.split("/")[0];
        const relative = top === "." || top === "..";
        const rooted = tops.includes(top);
        if (relative || rooted || FILE.test(token)) found.push({ line: comment.line + offset, token });
      }
    });
  }
  return found;
}

/**
 * The paths the source files' comments name that the repository does not have.
 * @param {{path: string, text: string}[]} sources
 * @param {string[]} files every file of the repository
 * @param {(paths: string[]) => Set<string>} ignored
 * @returns {string[]} "file:line: path" for each one missing
 */
export function missingCommentPaths(sources, files, ignored) {
  const { fileSet, folders, tops } = layout(files);
  // An import-style name without its extension names a module too.
  const exists = (path) => {
    const bare = path.replace(/\/$/, "");
    return (
      fileSet.has(bare) ||
      folders.has(bare) ||
      [".ts", ".tsx", ".mjs", ".js", "/index.ts"].some((ext) => fileSet.has(`${bare}${ext}`))
    );
  };
  // What a file or folder is called from inside a part: each of its paths' ends after a `/`.
  const ends = new Set();
  for (const path of [...files, ...folders])
    for (let at = path.indexOf("/"); at > 0; at = path.indexOf("/", at + 1)) ends.add(path.slice(at + 1));
  const suffixes = (name) => ends.has(name) || folders.has(name);
  const pending = [];
  for (const source of sources) {
    const here = posix.dirname(source.path);
    for (const { line, token } of commentPathTokens(source.text, tops)) {
      const fromFile = posix.normalize(posix.join(here, token));
      const top = token.split("/")[0];
      const ok =
        top === "." || top === ".."
          ? exists(fromFile)
          : tops.includes(top)
            ? exists(token) || exists(fromFile)
            : exists(fromFile) || suffixes(token.replace(/\/$/, ""));
      if (!ok)
        pending.push({
          where: `${source.path}:${line}`,
          path: token,
          candidates: [token, fromFile].filter((c) => !c.startsWith("..") && !c.startsWith("./")),
        });
    }
  }
  return unlessBuilt(pending, ignored);
}

/** The missing paths named in the comments of the parts' source files. */
export function repositoryCommentProblems(root = ROOT) {
  const files = trackedFiles(root);
  const sources = readAll(
    root,
    files.filter((f) => SOURCE.test(f)),
  );
  return missingCommentPaths(sources, files, (paths) => gitIgnored(root, paths));
}
