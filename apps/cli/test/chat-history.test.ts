import { describe, expect, it } from 'vitest';
import { dropOldestTurns } from '../src/chat-history.js';

const m = (role: 'system' | 'user' | 'assistant', content: string) => ({ role, content });
/** Fits when the messages hold at most `n` characters. */
const under = (n: number) => (messages: Array<{ content: string }>) =>
  messages.reduce((sum, x) => sum + x.content.length, 0) <= n;

describe('dropOldestTurns', () => {
  it('drops whole exchanges after the system message, oldest first, keeping the last message', () => {
    const history = [
      m('system', 'sys'),
      m('user', 'aa'),
      m('assistant', 'bb'),
      m('user', 'cc'),
      m('assistant', 'dd'),
      m('user', 'ee'),
    ];
    expect(dropOldestTurns(history, under(9))).toBe(2);
    expect(history.map((x) => x.content)).toEqual(['sys', 'cc', 'dd', 'ee']);
  });

  it('drops nothing when it fits, and refuses (dropping nothing) when the last message alone does not', () => {
    const history = [m('user', 'aa'), m('assistant', 'bb'), m('user', 'cccccc')];
    expect(dropOldestTurns(history, under(100))).toBe(0);
    expect(dropOldestTurns(history, under(5))).toBeNull();
    expect(history).toHaveLength(3);
  });
});
