// Whether an IP address is on the public internet: an IP literal in a linked gateway's URL
// (party/rooms/autopilot/features/instance-store/gateway-address.ts), a device's address at the device entry
// (shared/runtime/requests.ts). IPv6 has many
// spellings of one address (compressed, embedded dotted IPv4, leading zeros), so an
// address is first read into its eight 16-bit groups and only then classified: a check
// on the spelling lets `[::127.0.0.1]` through as readily as `[::1]` is caught.

/** IPv4 ranges that are not the public internet: [first octets, prefix length]. */
const PRIVATE_V4: readonly [number[], number][] = [
  [[0], 8], // "this network"
  [[10], 8],
  [[100, 64], 10], // carrier-grade NAT
  [[127], 8],
  [[169, 254], 16], // link-local (cloud metadata services live here)
  [[172, 16], 12],
  [[192, 0, 0], 24],
  [[192, 168], 16],
  [[198, 18], 15], // benchmarking
  [[224], 3], // multicast and reserved, 224.0.0.0 and up
];

/** Four dotted decimal octets as one number, or null when `text` is not that. */
function parseV4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function v4IsPrivate(value: number): boolean {
  return PRIVATE_V4.some(([octets, bits]) => {
    const base = [...octets, 0, 0, 0, 0].slice(0, 4).reduce((acc, o) => acc * 256 + o, 0);
    return value >= base && value < base + 2 ** (32 - bits);
  });
}

/** True/false for a dotted IPv4 address, null when `host` is not one. */
export function v4Private(host: string): boolean | null {
  const value = parseV4(host);
  return value === null ? null : v4IsPrivate(value);
}

/**
 * The eight groups of an IPv6 address (`::` expanded, a trailing dotted IPv4 read as two
 * groups), or null when `text` is not one. Zone ids (`%eth0`) are not addresses a Worker
 * can dial: refused as unparseable, which the caller treats as private.
 */
export function parseV6(text: string): number[] | null {
  const host = text.toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(host)) return null;
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (const [i, piece] of pieces.entries()) {
      if (piece.includes(".")) {
        const v4 = i === pieces.length - 1 ? parseV4(piece) : null;
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(piece)) return null;
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  // A dotted IPv4 may only end the address.
  if (halves.length === 2 && halves[0]!.includes(".")) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...Array<number>(missing).fill(0), ...tail];
}

const zero = (g: number[], from: number, to: number) => g.slice(from, to).every((x) => x === 0);
const v4Of = (hi: number, lo: number) => hi * 65536 + lo;

/**
 * Why an IPv6 address is not a public host, or null when it is. Only global unicast
 * (2000::/3) can be public; inside it the special-purpose blocks are refused and 6to4 is
 * judged by the IPv4 address it carries. Every form that embeds or translates an IPv4
 * address (mapped, translated, compatible, NAT64, Teredo) is refused outright: a gateway
 * on a public IPv4 address is linked by that address, and these forms are how a private
 * IPv4 address is smuggled past a check that only reads the spelling.
 */
export function v6PrivateReason(text: string): string | null {
  const g = parseV6(text);
  if (!g) return "an IPv6 address that cannot be read";
  if (zero(g, 0, 8)) return "the unspecified IPv6 address";
  if (zero(g, 0, 7) && g[7] === 1) return "the IPv6 loopback address";
  if (zero(g, 0, 5) && g[5] === 0xffff) return "an IPv4-mapped IPv6 address";
  if (zero(g, 0, 4) && g[4] === 0xffff && g[5] === 0) return "an IPv4-translated IPv6 address";
  if (zero(g, 0, 6)) return "an IPv4-compatible IPv6 address";
  if (g[0] === 0x64 && g[1] === 0xff9b && (zero(g, 2, 6) || g[2] === 1)) return "a NAT64 IPv6 address";
  if (g[0] === 0x100 && zero(g, 1, 4)) return "a discard-only IPv6 address";
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return "a unique-local (private) IPv6 address";
  if ((first & 0xffc0) === 0xfe80) return "a link-local IPv6 address";
  if ((first & 0xffc0) === 0xfec0) return "a site-local IPv6 address";
  if ((first & 0xff00) === 0xff00) return "a multicast IPv6 address";
  if ((first & 0xe000) !== 0x2000) return "a reserved (not global unicast) IPv6 address";
  if (first === 0x2001 && g[1] === 0x0db8) return "a documentation IPv6 address";
  // 2001::/23: Teredo (2001::/32), benchmarking, ORCHID and other protocol assignments.
  if (first === 0x2001 && g[1]! < 0x200) return "a Teredo or other special-purpose IPv6 address";
  if (first === 0x3fff && g[1]! < 0x1000) return "a documentation IPv6 address";
  if (first === 0x2002 && v4IsPrivate(v4Of(g[1]!, g[2]!))) return "a 6to4 IPv6 address of a private IPv4 address";
  return null;
}
