/** Where the Worker's AI SDK bundle is written (wrangler.toml aliases it). */
export const AI_SDK_BUNDLE: string;
/** Builds the bundle. */
export function buildAiSdkBundle(): Promise<void>;
/** Builds the bundle when it is missing or older than what it is made of. */
export function ensureAiSdkBundle(): Promise<void>;
