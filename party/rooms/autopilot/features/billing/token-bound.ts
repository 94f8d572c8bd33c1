// The most tokens a model call's input can be, whatever its text (docs/billing.md): what the
// spend gate reserves before a call, and so the most the call is charged.
//
// Why UTF-8 bytes: every tokenizer the models behind an OpenAI-compatible endpoint use maps
// text to tokens that each stand for at least one byte of its UTF-8. Byte-level BPE (GPT,
// Llama 3, Qwen, Mistral's Tekken) starts from one token per byte and only merges; SentencePiece
// with byte fallback (Llama 2, Gemma) emits a piece of one or more characters or one token per
// byte of a character it does not know. So n bytes are at most n tokens, for any script.
// Characters or UTF-16 code units are no bound: a CJK character is one code unit and three
// bytes, an emoji two code units and four bytes, and a byte-fallback tokenizer can spend a
// token on each of those bytes (three characters a token, the old guess, was nine times short
// for rare CJK).
//
// What the model reads besides the text: the chat template's markers (a role, a separator, the
// reply's start; a few tokens a message) and SentencePiece's word-start piece at the start of a
// text. A message counted as its JSON carries more bytes of framing than that (`{"role":"user",
// "content":""}` is 28 bytes), the instructions and the reply's start get FRAME_TOKENS each,
// and a tool definition its JSON frame (tools.ts `toolDefinitionBytes`). Images and PDFs count
// as their base64 text; a provider that counts a file's pixels or pages beyond that is charged
// no more than this bound either (spend-gate.ts records what it reported beyond it).

const encoder = new TextEncoder();

/** More tokens than any call reports honestly; a figure past it is no count. */
const MAX_REPORTED_TOKENS = 1e12;

/**
 * A token count an endpoint reported, as a whole number of tokens, or null when it is no count
 * (missing, negative, not a number, past any real call): an endpoint's figures are remote input.
 * A negative one would otherwise credit the workspace, and a fraction or an infinity would fail
 * every client that reads the receipt.
 */
export function reportedTokens(figure: number | null | undefined): number | null {
  if (typeof figure !== "number" || !Number.isFinite(figure) || figure < 0 || figure > MAX_REPORTED_TOKENS) return null;
  return Math.ceil(figure);
}

export const utf8Bytes = (text: string): number => encoder.encode(text).byteLength;

/** The chat template's markers around the instructions, and around the reply it asks for. */
const FRAME_TOKENS = 16;

/**
 * The most tokens a call's input can be: its instructions, its messages as JSON, and the
 * UTF-8 bytes of its tool definitions, each byte at most one token, with the template's markers.
 */
export function inputTokenBound(instructions: string, messages: unknown, toolBytes = 0): number {
  return 2 * FRAME_TOKENS + utf8Bytes(instructions) + utf8Bytes(JSON.stringify(messages)) + toolBytes;
}
