// Removing a skill installed in an instance's agent workspace (`workspace/skills/<slug>`), which
// the gateway has no method for. With separate users (tenant-users.ts) the gateway owns the
// workspace, so the runtime (root) treats what it finds there as hostile: the workspace or its
// `skills` directory may have been replaced by a symlink to elsewhere, and the folder itself may
// be one. Only a real directory whose real path is exactly `<instance>/workspace/skills` is
// entered, and a symlinked skill is unlinked, never followed.
import { lstatSync, realpathSync, rmSync, type Stats, unlinkSync } from "node:fs";
import { join } from "node:path";
import { skillSlugSchema } from "../../shared/runtime/requests";
import { errResult, okResult, runtimeError, type Result } from "./errors";
import { instancePaths } from "./instance-dir";

const isRealDirectory = (path: string): boolean => {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** Removes `<instanceDir>/workspace/skills/<slug>`; `removed: false` when it is not there. */
export function removeSkillFolder(instanceDir: string, slug: string): Result<{ slug: string; removed: boolean }> {
  if (!skillSlugSchema.safeParse(slug).success)
    return errResult(runtimeError("invalid_request", "a skill's slug is lower-case letters, digits and '-'"));
  const workspace = instancePaths(instanceDir).workspace;
  const skills = join(workspace, "skills");
  if (!isRealDirectory(workspace) || !isRealDirectory(skills)) return okResult({ slug, removed: false });
  if (realpathSync(skills) !== join(realpathSync(instanceDir), "workspace", "skills"))
    return errResult(runtimeError("conflict", "the workspace's skills directory is not where it belongs"));
  const folder = join(skills, slug);
  let stat: Stats;
  try {
    stat = lstatSync(folder);
  } catch {
    return okResult({ slug, removed: false });
  }
  // rm removes a directory's entries without following the symlinks among them.
  if (stat.isDirectory()) rmSync(folder, { recursive: true, force: true });
  else unlinkSync(folder);
  return okResult({ slug, removed: true });
}
