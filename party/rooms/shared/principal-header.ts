import { Principal } from "../../../shared/protocol/principal";

/** Set by the Worker after authentication; rooms trust nothing else about identity. */
export const PRINCIPAL_HEADER = "x-autopilot-principal";

export function encodePrincipalHeader(principal: Principal): string {
  return encodeURIComponent(JSON.stringify(principal));
}

export function parsePrincipalHeader(value: string | null): Principal | null {
  if (!value) return null;
  try {
    const parsed = Principal.safeParse(JSON.parse(decodeURIComponent(value)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
