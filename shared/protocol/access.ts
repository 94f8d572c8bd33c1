import { z } from "zod";
import { Principal } from "./principal";

/**
 * Protocol 6: the connection's principal changed while it stayed open (a role or a key's
 * scopes were changed): from now on the room checks every request against these scopes.
 * Access taken away entirely closes the socket instead (4001 / 4003).
 */
export const PrincipalUpdatedPayload = z.object({ principal: Principal });
