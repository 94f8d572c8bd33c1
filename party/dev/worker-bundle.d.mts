/** The bundled Worker's source text (`wrangler deploy --dry-run`). */
export function workerBundle(): string;
