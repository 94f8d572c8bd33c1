// The archive the gateway installs an uploaded skill from: a zip with `SKILL.md` at its root
// (operator-methods.md, `skills.upload.*`), packed by fflate from the files a person sent.
// Stored without compression (the folder is small and bounded: shared/protocol/skills.ts),
// with a fixed date, so the same folder packs the same bytes.
import { type Zippable, zipSync } from "fflate";

/** One file of the folder: its path inside it and its bytes. */
export interface ArchiveFile {
  path: string;
  bytes: Uint8Array;
}

/** The zip format's earliest date: no clock in the archive. */
const NO_DATE = new Date(1980, 0, 1);

/** A zip of `files` (stored, UTF-8 names, regular files). */
export function zipArchive(files: readonly ArchiveFile[]): Uint8Array {
  const entries: Zippable = {};
  for (const file of files)
    entries[file.path] = [file.bytes, { level: 0, mtime: NO_DATE, attrs: 0o100644 << 16, os: 3 }];
  return zipSync(entries);
}
