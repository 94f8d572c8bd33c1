// Removing a skill's folder (runtime/src/skill-folder.ts, and the sandbox host's shell in
// sandbox-container.ts, run here by /bin/sh): only `workspace/skills/<slug>` of the instance
// goes, whatever a gateway that owns the workspace planted there (a symlinked skills directory,
// a symlinked skill pointing elsewhere); a slug that could climb out is refused.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeSkillScript } from "../sandbox/sandbox-container";
import { removeSkillFolder } from "../src/skill-folder";

let root: string;
let instance: string;
let outside: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "skill-folder-"));
  instance = join(root, "instance");
  outside = join(root, "outside");
  mkdirSync(join(instance, "workspace", "skills", "moon-word", "bin"), { recursive: true });
  writeFileSync(join(instance, "workspace", "skills", "moon-word", "SKILL.md"), "---\nname: moon-word\n---\n");
  mkdirSync(join(outside, "moon-word"), { recursive: true });
  writeFileSync(join(outside, "moon-word", "SKILL.md"), "kept");
  writeFileSync(join(outside, "precious.txt"), "kept");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("removing a skill's folder", () => {
  it("removes skills/<slug> with what is in it; a second time there is nothing to remove", () => {
    // A link inside the folder is removed as a link: what it points at stays.
    symlinkSync(join(outside, "precious.txt"), join(instance, "workspace", "skills", "moon-word", "bin", "link"));
    expect(removeSkillFolder(instance, "moon-word")).toEqual({ ok: true, value: { slug: "moon-word", removed: true } });
    expect(existsSync(join(instance, "workspace", "skills", "moon-word"))).toBe(false);
    expect(existsSync(join(outside, "precious.txt"))).toBe(true);
    expect(removeSkillFolder(instance, "moon-word")).toEqual({
      ok: true,
      value: { slug: "moon-word", removed: false },
    });
  });

  it("refuses a slug that could leave the skills directory", () => {
    for (const slug of ["..", "../outside", "moon/word", ".hidden", "Moon", ""]) {
      const result = removeSkillFolder(instance, slug);
      expect(result.ok, slug).toBe(false);
    }
    expect(existsSync(join(instance, "workspace", "skills", "moon-word"))).toBe(true);
  });

  it("never follows a symlinked skills directory or a symlinked skill", () => {
    // The skill is a link to a folder elsewhere: the link goes, the folder stays.
    rmSync(join(instance, "workspace", "skills", "moon-word"), { recursive: true });
    symlinkSync(join(outside, "moon-word"), join(instance, "workspace", "skills", "moon-word"));
    expect(removeSkillFolder(instance, "moon-word")).toMatchObject({ ok: true, value: { removed: true } });
    expect(existsSync(join(outside, "moon-word", "SKILL.md"))).toBe(true);
    // The skills directory itself is a link elsewhere: nothing there is entered.
    rmSync(join(instance, "workspace", "skills"), { recursive: true });
    symlinkSync(outside, join(instance, "workspace", "skills"));
    expect(removeSkillFolder(instance, "moon-word")).toMatchObject({ ok: true, value: { removed: false } });
    expect(existsSync(join(outside, "moon-word", "SKILL.md"))).toBe(true);
  });

  it("the sandbox host's shell does the same in a container", () => {
    const workspace = join(instance, "workspace");
    const sh = (slug: string) => spawnSync("/bin/sh", ["-c", removeSkillScript(workspace, slug)]).status;
    expect(sh("moon-word")).toBe(0);
    expect(existsSync(join(workspace, "skills", "moon-word"))).toBe(false);
    expect(sh("moon-word")).toBe(4);
    symlinkSync(join(outside, "moon-word"), join(workspace, "skills", "moon-word"));
    expect(sh("moon-word")).toBe(0);
    expect(existsSync(join(outside, "moon-word", "SKILL.md"))).toBe(true);
    rmSync(join(workspace, "skills"), { recursive: true });
    symlinkSync(outside, join(workspace, "skills"));
    expect(sh("moon-word")).toBe(3);
    expect(existsSync(join(outside, "moon-word", "SKILL.md"))).toBe(true);
  });
});
