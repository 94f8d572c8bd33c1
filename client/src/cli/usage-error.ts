/** A mistake on the command line: the runner prints it with a pointer to the help and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** The command the mistake was made in, so the hint can point at its help. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}
