import { Component, type ReactNode } from 'react';

interface Props {
  /** The message's text, shown plain if rendering fails. */
  text: string;
  children: ReactNode;
}

/**
 * Keeps one message's rendering failure inside that message. The markdown
 * renderer loads parts of itself (code highlighting) on first use; when the
 * server that served the page has gone (stopped, or moved to another port)
 * that load fails, and without this boundary the error would take the whole
 * window down — connection banner included — to a blank page. The text is
 * shown plain instead, and rendering is tried again when it changes.
 */
export class RenderBoundary extends Component<Props, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  componentDidUpdate(prev: Props): void {
    if (this.state.failed && prev.text !== this.props.text) this.setState({ failed: false });
  }

  render(): ReactNode {
    if (this.state.failed) {
      return (
        <div className="md" style={{ whiteSpace: 'pre-wrap' }}>
          {this.props.text}
        </div>
      );
    }
    return this.props.children;
  }
}
