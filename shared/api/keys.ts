import { z } from "zod";
import { Scope } from "../protocol/principal";
import { DEFAULT_AGENT_SCOPES } from "../scopes";

/** A listed agent key: never the secret, only its first characters (`start`). */
export const AgentKey = z.object({
  id: z.string(),
  name: z.string().nullable(),
  start: z.string().nullable(),
  scopes: z.array(Scope),
  // D1 hands back whatever better-auth wrote for the date: an ISO string or epoch ms.
  createdAt: z.union([z.string(), z.number()]),
  /** When the key last opened a connection or made a request; null before its first. */
  lastUsedAt: z.union([z.string(), z.number()]).nullable(),
});
export type AgentKey = z.infer<typeof AgentKey>;

/** `GET /api/workspaces/:ws/keys`, newest first. */
export const KeysResponse = z.object({ keys: z.array(AgentKey) });

/** What a new key will hold, whether minted here or through an agent's invitation: an agent's usual scopes unless named. */
export const NewKeyScopes = z
  .array(Scope)
  .min(1)
  .default([...DEFAULT_AGENT_SCOPES]);

/** `POST /api/workspaces/:ws/keys` */
export const CreateKeyBody = z.object({
  name: z.string().trim().min(1).max(32),
  scopes: NewKeyScopes,
});
export type CreateKeyBody = z.input<typeof CreateKeyBody>;

/** The raw key is in this response and nowhere else, ever. */
export const CreatedKeyResponse = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string().nullable(),
  start: z.string().nullable(),
  scopes: z.array(Scope),
});
export type CreatedKeyResponse = z.infer<typeof CreatedKeyResponse>;

/** `DELETE /api/workspaces/:ws/keys/:keyId` */
export const RevokedKeyResponse = z.object({ revoked: z.string() });

/** `POST /api/workspaces/:ws/keys/:keyId/rotate`: a new secret (and id) with the same name and scopes; the old key is gone. */
export const RotatedKeyResponse = CreatedKeyResponse.extend({ replaced: z.string() });
export type RotatedKeyResponse = z.infer<typeof RotatedKeyResponse>;
