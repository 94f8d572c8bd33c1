import type { Plugin } from "esbuild";

export function widenToolCallbackGuard(source: string): string;
export const skipIdleToolCallbackStage: Plugin;
