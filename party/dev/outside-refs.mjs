// The repository stands alone: no file may point at one outside it. Two kinds are caught:
// - a relative path that climbs out of the checkout (`../<file>` from the root);
// - an absolute path into a machine's home or work folders, which a clone does not have.
import { dirname, join, relative, sep } from "node:path";

const RELATIVE = /(?<![\w./@-])((?:\.\.\/)+[\w@.-]+(?:\/[\w@.-]+)*)/g;
const MACHINE_PATH = /(?<![\w.:-])\/(?:home|root|Users|work)\/[\w.-]+/;

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
        if (relative(root, target).startsWith(`..${sep}`) || relative(root, target) === "..")
          found.push(`${path}:${i + 1}: ${match[1]} leaves the repository`);
      }
      const absolute = MACHINE_PATH.exec(line);
      if (absolute) found.push(`${path}:${i + 1}: ${absolute[0]} is a path on one machine`);
    });
  }
  return found;
}
