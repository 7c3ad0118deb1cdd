import type { PromptVersionView } from '../lib/prompt-version.js';

/** A prompt version's template: a chat template message by message (role, content), a text one as it is. */
export function PromptTemplate({ view }: { view: PromptVersionView }) {
  if (view.messages) {
    return (
      <div className="chat-template" data-testid="prompt-template">
        {view.messages.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: messages are ordered and may repeat.
          <div key={i} className="chat-message">
            <span className="chat-role">{m.role}</span>
            <span className="prompt-template">{m.content}</span>
          </div>
        ))}
      </div>
    );
  }
  return (
    <pre className="code prompt-template" data-testid="prompt-template">
      {view.text}
    </pre>
  );
}
