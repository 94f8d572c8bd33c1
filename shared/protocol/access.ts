import { z } from "zod";
import { Principal } from "./principal";

/**
 * Protocol 6: the connection's principal changed while it stayed open (a role or a key's
 * scopes were changed): from now on the room checks every request against these scopes.
 * Access taken away entirely closes the socket instead (4001 / 4003).
 */
export const PrincipalUpdatedPayload = z.object({ principal: Principal });

/**
 * Protocol 12: access in the workspace changed — someone joined or left, a role or an agent
 * key changed — so lists of members, keys and invitations a client shows are stale (it reads
 * them again over the auth API; this says nothing of who may do what). To every socket still
 * open after the room re-checked them.
 */
export const AccessChangedPayload = z.object({ reason: z.string().max(120) });
