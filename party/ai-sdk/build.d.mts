/** Where the Worker's AI SDK bundle is written (wrangler.toml aliases it). */
export const AI_SDK_BUNDLE: string;
/** esbuild's metafile of the bundle, beside it. */
export const AI_SDK_METAFILE: string;
/** Builds the bundle (and its esbuild metafile beside it). */
export function buildAiSdkBundle(): Promise<void>;
/** The files the current bundle was made of, from the project root; null if there is none. */
export function aiSdkBundleInputs(): string[] | null;
/** Builds the bundle when it is missing or older than anything it was made of. */
export function ensureAiSdkBundle(): Promise<void>;
