// An answer's text with its tool calls in place: the text is cut at each
// call's offset, each piece rendered as markdown, each call as its card.

import { memo, useMemo } from 'react';
import { Markdown } from '../markdown/Markdown';
import type { ViewMessage } from '../state/store';
import { splitAnswer } from '../state/tools';
import { ToolCard } from './ToolCard';

export const AnswerText = memo(function AnswerText({ m }: { m: ViewMessage }) {
  const streaming = m.status === 'streaming';
  const segments = useMemo(() => splitAnswer(m.content, m.tools), [m.content, m.tools]);
  if (!m.tools?.length) {
    return m.content ? (
      <div className="answer">
        <Markdown text={m.content} streaming={streaming} />
      </div>
    ) : null;
  }
  const last = segments[segments.length - 1];
  // After a call has ended, the model is at work again before its next words.
  const thinking = streaming && last?.kind === 'tool' && Boolean(last.call.status);
  return (
    <>
      {segments.map((g, i) =>
        g.kind === 'text' ? (
          <div className="answer" key={g.key}>
            {/* Only the growing tail is streaming markdown; the pieces above are final. */}
            <Markdown text={g.text} streaming={streaming && i === segments.length - 1} />
          </div>
        ) : (
          <ToolCard key={g.key} call={g.call} chatId={m.chat_id} turnOver={!streaming} />
        ),
      )}
      {thinking && (
        <div className="waiting" role="status">
          <span className="dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          <span className="sr-only">Waiting for the model…</span>
        </div>
      )}
    </>
  );
});
