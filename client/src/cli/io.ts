// How a CLI command talks to the terminal, and its exit codes.

export interface CliIO {
  /** One line for stdout (a JSON document: output is JSON Lines throughout). */
  out: (text: string) => void;
  /** Raw text for stdout, no newline added (a reply as it streams). */
  write: (text: string) => void;
  /** One human-readable line for stderr. */
  err: (text: string) => void;
  readStdin: () => Promise<string>;
}

export const EXIT = { ok: 0, rejected: 1, usage: 2, failure: 3, interrupted: 130 } as const;
