import { env } from "cloudflare:workers";
import type { Scope } from "../../../shared/protocol/principal";
import { revalidateWorkspace } from "../../access/revalidate";
import type { Env } from "../../env";

/** The key's scopes as D1 holds them, then the Worker's notice of the change (as `api-key/update` sends it). */
export async function setKeyScopes(ws: string, keyId: string, scopes: Scope[]) {
  const testEnv = env as unknown as Env;
  const row = await testEnv.DB.prepare(`select "metadata" from "apikey" where "id" = ?`)
    .bind(keyId)
    .first<{ metadata: string }>();
  const metadata = { ...(JSON.parse(row!.metadata) as Record<string, unknown>), scopes };
  await testEnv.DB.prepare(`update "apikey" set "metadata" = ? where "id" = ?`)
    .bind(JSON.stringify(metadata), keyId)
    .run();
  await revalidateWorkspace(testEnv, ws, { reason: "API key updated" });
}
