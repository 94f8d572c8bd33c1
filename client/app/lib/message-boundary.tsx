import { Component, type ReactNode } from "react";

/** Said under a message shown as its plain text because rendering it failed. */
export const MESSAGE_FAILED_NOTE = "This message could not be shown formatted; this is its text.";

/**
 * One boundary per message: whatever a message's text or parts do to its rendering (the
 * Markdown renderer is bounded, markdown-bounds.ts, but a message is hostile), that message
 * alone shows as its plain text with a note; the rest of the thread and the app keep
 * working. A new text (a streamed reply growing) gets a new try.
 */
export class MessageBoundary extends Component<{ text: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(error: unknown) {
    console.error("a message failed to render; shown as plain text", error);
  }
  override componentDidUpdate(before: { text: string }) {
    if (this.state.failed && before.text !== this.props.text) this.setState({ failed: false });
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="md message-text message-unrendered">
        {this.props.text && <p className="md-plain">{this.props.text}</p>}
        <p className="md-note">{MESSAGE_FAILED_NOTE}</p>
      </div>
    );
  }
}
