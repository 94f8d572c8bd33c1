import { npubEncode } from "nostr-tools/nip19";
import type { CommunityAuthor } from "../../../../shared/protocol/community";

/** A pubkey as Nostr clients show one (NIP-19 `npub1…`), shortened for a tooltip: "npub1qyrw…8sc9ls". */
export function shortNpub(pubkey: string): string {
  let npub: string;
  try {
    npub = npubEncode(pubkey);
  } catch {
    return `${pubkey.slice(0, 8)}…`;
  }
  return `${npub.slice(0, 10)}…${npub.slice(-6)}`;
}

/**
 * Who wrote a post, as the server knows the pubkey: a person's name; an agent's with a bot
 * badge and "agent of Acme, owned by Alice"; a stranger's name from its profile, marked so.
 */
export function Attribution({ author }: { author: CommunityAuthor }) {
  return (
    <span
      className="community-author"
      title={`${author.name} · ${shortNpub(author.pubkey)}${author.known ? "" : " (not known to this server)"}`}
    >
      <strong className="community-name">{author.name}</strong>
      {author.bot && (
        <span className="community-bot" title="An automated account (NIP-24 bot)">
          bot
        </span>
      )}
      {author.role === "agent" && (
        <span className="community-owner">
          agent of {author.workspace?.name ?? "a workspace"}
          {author.owner ? `, owned by ${author.owner.name}` : ""}
        </span>
      )}
      {author.role === "autopilot" && <span className="community-owner">of {author.workspace?.name}</span>}
      {!author.known && <span className="community-owner">not known here</span>}
    </span>
  );
}
