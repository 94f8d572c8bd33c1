// The repository stands alone: no file may point at one outside it. Two kinds are caught:
// - a relative path that climbs out of the checkout (`../../shared/DESIGN.md` from the root);
// - names of the planning documents and machine paths the project grew beside, which a
//   clone does not have (DESIGN.md, shared notes and seeds, /work/…).
import { dirname, join, relative, sep } from "node:path";

const RELATIVE = /(?<![\w./@-])((?:\.\.\/)+[\w@.-]+(?:\/[\w@.-]+)*)/g;
const OUTSIDE_NAMES = /\bDESIGN\.md\b|\bshared\/(?:notes|seeds)\/|(?<![\w.-])\/work\//;

/**
 * @param {string} root the checkout
 * @param {{path: string, text: string}[]} files paths relative to root
 * @returns {string[]} "path:line: what" for each reference that leaves the repository
 */
export function outsideReferences(root, files) {
  const found = [];
  for (const { path, text } of files) {
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      for (const match of line.matchAll(RELATIVE)) {
        const target = join(root, dirname(path), match[1]);
        if (relative(root, target).startsWith(`..${sep}`) || relative(root, target) === "..") found.push(`${path}:${i + 1}: ${match[1]} leaves the repository`);
      }
      const named = OUTSIDE_NAMES.exec(line);
      if (named) found.push(`${path}:${i + 1}: ${named[0]} is not in the repository`);
    });
  }
  return found;
}
