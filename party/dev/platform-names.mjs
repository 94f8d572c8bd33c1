// Whether server code outside a chat platform's own module branches on a platform's name
// (a platform is a strategy object: features/chats/<name>.ts, or a feature of its own,
// features/<name>/, that offers it; features/chats/platforms.ts gathers them): a comparison
// with or a `case` of a platform's name as a string. Tests may name them. The gateway's
// channels (features/gateway-channels/) are OpenClaw's own channel kinds, configured in the
// gateway and not the chats feature's platforms: they are not checked.

const NOT_CHECKED = [/(^|\/)test\//, /\.test\.tsx?$/, /^party\/rooms\/autopilot\/features\/gateway-channels\//];

/** Each `path:line: text` of `files` (server sources) that branches on one of `names` outside that platform's module. */
export function platformBranches(files, names) {
  const found = [];
  for (const { path, text } of files) {
    if (!path.startsWith("party/") || NOT_CHECKED.some((re) => re.test(path))) continue;
    text.split("\n").forEach((line, i) => {
      for (const name of names) {
        if (
          path === `party/rooms/autopilot/features/chats/${name}.ts` ||
          path.startsWith(`party/rooms/autopilot/features/${name}/`)
        )
          continue;
        const quoted = `["'\`]${name}["'\`]`;
        const branch = new RegExp(`[!=]==?\\s*${quoted}|${quoted}\\s*[!=]==?|case\\s+${quoted}`);
        if (branch.test(line)) found.push(`${path}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  return found;
}
