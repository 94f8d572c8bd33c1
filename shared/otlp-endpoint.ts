// Where OTLP/HTTP traces go, read from the exporter spec's standard variables the same way by
// the rooms (features/traces/config.ts) and the runtime (runtime/src/model-traces.ts).

/** The WHATWG URL every side has (workerd, Node, browsers), which shared/'s language-only types leave out. */
declare const URL: new (input: string) => { readonly protocol: string; toString(): string };

export type OtlpProtocol = "http/json" | "http/protobuf";

/** The spec's default is protobuf; only `http/json` says otherwise. */
export const protocolOf = (raw: string | undefined): OtlpProtocol =>
  raw?.trim() === "http/json" ? "http/json" : "http/protobuf";

/** A collector's traces URL from a base URL (…/v1/traces appended) or as given; null when it is not http(s). */
export function tracesUrl(base: string | undefined, exact?: string): string | null {
  const raw = exact?.trim() || base?.trim();
  if (!raw) return null;
  const url = parsedUrl(raw);
  if (!url) return null;
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (exact?.trim()) return url.toString();
  return `${url.toString().replace(/\/+$/, "")}/v1/traces`;
}

function parsedUrl(raw: string) {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}
