// docs/architecture.md's walks, read and checked against the code. Each walk is a bullet of
// the section "file by file": its heading names the method and states "(N files in M
// folders"), its prose names the files it passes, "Beside it … (K files in J more folders)"
// names the features that only look, and "Its files:" lists the counted ones (paths from
// party/rooms/autopilot/). What is checked: the counts are the lists'; every room file the
// prose names is in the list (or beside it); every file is there and reached by the Worker's
// imports; the method's handler is in one of the listed files.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const ROOM = "party/rooms/autopilot/";
/** The fan-out tier: two files more in every walk while delivery objects hold sockets, said once in the doc. */
export const TIER = [`${ROOM}kernel/tier.ts`, "party/rooms/delivery/delivery.ts"];

/** A code span's path from the repository's top: bare names go in the folder the prose named last. */
function resolver() {
  let folder = ROOM;
  return (token) => {
    const path =
      token.startsWith("party/") || token.startsWith("shared/")
        ? token
        : token.includes("/")
          ? ROOM + token
          : folder + token;
    if (token.includes("/")) folder = `${dirname(path)}/`;
    return path;
  };
}

/** Room files a text names, in order: `.ts` code spans under party/rooms/ but party/rooms/shared/. */
function roomFiles(text, resolve = resolver()) {
  return [...text.matchAll(/`([\w./-]+\.ts)`/g)]
    .map((m) => resolve(m[1]))
    .filter((path) => path.startsWith("party/rooms/") && !path.startsWith("party/rooms/shared/"));
}

const folderCount = (files) => new Set(files.map((file) => dirname(file))).size;

/** The walks of docs/architecture.md, as the doc states them. */
export function parseWalks(doc) {
  const start = doc.indexOf("Two walks, file by file");
  if (start < 0) return [];
  const end = doc.indexOf("\n\n", doc.indexOf("Its files:", start) > 0 ? doc.lastIndexOf("Its files:") : start);
  const section = doc.slice(start, end);
  return section
    .split(/\n {2}- \*\*/)
    .slice(1)
    .map((bullet) => {
      const method = /^`([\w.]+)`/.exec(bullet)?.[1] ?? "";
      const stated = /\((\d+)\s+files\s+in\s+(\d+)\s+folders/.exec(bullet);
      const besideAt = bullet.search(/Beside\s+it/);
      const listAt = bullet.indexOf("Its files:");
      const prose = bullet.slice(0, besideAt >= 0 ? besideAt : listAt);
      const besideText = besideAt >= 0 ? bullet.slice(besideAt, listAt) : "";
      const besideStated = /\((\d+)\s+files\s+in\s+(\d+)\s+more\s+folders\)/.exec(besideText);
      const list = [...bullet.slice(listAt).matchAll(/`([\w./-]+\.ts)`/g)].map((m) =>
        m[1].startsWith("party/") ? m[1] : ROOM + m[1],
      );
      return {
        method,
        stated: stated ? { files: Number(stated[1]), folders: Number(stated[2]) } : null,
        named: roomFiles(prose),
        beside: roomFiles(besideText),
        besideStated: besideStated ? { files: Number(besideStated[1]), folders: Number(besideStated[2]) } : null,
        list: listAt >= 0 ? list : [],
      };
    });
}

/** Every repository file the value imports (not `import type`) of `entries` reach, relative ones only. */
export function importClosure(root, entries) {
  const seen = new Set();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(root, file), "utf8");
    const specifiers = [
      ...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s*)?["'](\.[^"']+)["']/gm),
      ...text.matchAll(/\bimport\(\s*["'](\.[^"']+)["']\s*\)/g),
    ].map((m) => m[1]);
    for (const specifier of specifiers) {
      const base = normalize(join(dirname(file), specifier));
      const found = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find(
        (path) => /\.tsx?$/.test(path) && existsSync(join(root, path)),
      );
      if (found) queue.push(found);
    }
  }
  return seen;
}

/** What is wrong with the walks a doc states, against the tree at `root`; [] when they hold. */
export function walkProblems(root, doc, entries = ["party/index.ts"]) {
  const walks = parseWalks(doc);
  if (walks.length === 0) return ["no walks found"];
  const reached = importClosure(root, entries);
  const problems = [];
  for (const walk of walks) {
    const at = `walk ${walk.method || "?"}`;
    const listed = new Set(walk.list);
    if (walk.list.length === 0) problems.push(`${at}: no "Its files:" list`);
    if (listed.size !== walk.list.length) problems.push(`${at}: a file is listed twice`);
    if (!walk.stated) problems.push(`${at}: no "(N files in M folders" in its heading`);
    else {
      if (walk.stated.files !== listed.size)
        problems.push(`${at}: says ${walk.stated.files} files, lists ${listed.size}`);
      if (walk.stated.folders !== folderCount(walk.list))
        problems.push(`${at}: says ${walk.stated.folders} folders, lists files in ${folderCount(walk.list)}`);
    }
    for (const file of walk.named)
      if (!listed.has(file) && !TIER.includes(file)) problems.push(`${at}: names ${file}, which its list leaves out`);
    for (const file of walk.list)
      if (!walk.named.includes(file)) problems.push(`${at}: lists ${file}, which its prose does not name`);
    if (walk.beside.length > 0) {
      const beside = new Set(walk.beside.filter((file) => !listed.has(file)));
      const pathFolders = new Set(walk.list.map((file) => dirname(file)));
      const more = new Set([...beside].map((file) => dirname(file)).filter((folder) => !pathFolders.has(folder)));
      if (!walk.besideStated) problems.push(`${at}: beside it, no "(K files in J more folders)"`);
      else if (walk.besideStated.files !== beside.size || walk.besideStated.folders !== more.size)
        problems.push(
          `${at}: beside it says ${walk.besideStated.files} files in ${walk.besideStated.folders} more folders, names ${beside.size} in ${more.size}`,
        );
    }
    for (const file of [...walk.list, ...walk.beside, ...TIER]) {
      if (!existsSync(join(root, file))) problems.push(`${at}: ${file} is not there`);
      else if (!reached.has(file)) problems.push(`${at}: ${file} is not imported by the Worker`);
    }
    const handler = walk.list.find(
      (file) => existsSync(join(root, file)) && readFileSync(join(root, file), "utf8").includes(`"${walk.method}": `),
    );
    if (!handler) problems.push(`${at}: no listed file declares the handler of ${walk.method}`);
  }
  return problems;
}
