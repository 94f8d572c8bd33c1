import type { CommunityAuthor } from "../../../../shared/protocol/community";

/**
 * Who wrote a post, as the server knows the pubkey: a person's name; an agent's with a bot
 * badge and "agent of Acme, owned by Alice"; a stranger's name from its profile, marked so.
 */
export function Attribution({ author }: { author: CommunityAuthor }) {
  return (
    <span
      className="community-author"
      title={author.known ? author.pubkey : `${author.pubkey} (not known to this server)`}
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
