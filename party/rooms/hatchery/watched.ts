import type { Env } from "../../env";
import { roomCall } from "../../room-rpc";

/** Tries at telling the Autopilot the canvas is watched, a second, then two, apart. */
const WATCHED_TRIES = 3;

/**
 * Tells the workspace's Autopilot that its canvas is watched again (decision 102: it pokes only
 * a watched canvas), tried again while sockets stay: those already here would not tell it again.
 * Resolves with whether it was told; each failure goes to `failed`.
 */
export async function tellWatched(
  env: Env,
  workspace: string,
  sockets: () => number,
  failed: (error: unknown, attempt: number) => void,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await roomCall(env.Autopilot.getByName(workspace), "canvasWatched");
      return true;
    } catch (error) {
      failed(error, attempt);
      if (attempt >= WATCHED_TRIES - 1 || sockets() === 0) return false;
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
    }
  }
}
