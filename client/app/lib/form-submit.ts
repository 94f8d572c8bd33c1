import type { FormEvent } from "react";

/** A form's submit handler: the page stays (no navigation), then `run` does the form's work. */
export const submitted =
  (run: () => void) =>
  (e: FormEvent): void => {
    e.preventDefault();
    run();
  };
