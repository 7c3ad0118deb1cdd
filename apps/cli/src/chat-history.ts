import type { ChatMessage } from '@flowline/model-format';

/**
 * Drops the oldest turns of a chat, in place, until `fits(history)`: whole user/assistant exchanges after
 * the system message (which stays), never the last message. Returns how many messages went, or null when
 * even the system message and the last message alone do not fit (then nothing is dropped).
 */
export function dropOldestTurns(
  history: ChatMessage[],
  fits: (messages: ChatMessage[]) => boolean,
): number | null {
  const first = history[0]?.role === 'system' ? 1 : 0;
  const kept = [...history.slice(0, first), history.at(-1)!];
  if (history.length - first <= 1 || !fits(kept)) return fits(history) ? 0 : null;
  let dropped = 0;
  while (!fits(history) && history.length - first > 1) {
    // An exchange is a user message and the answers after it, up to the next user message.
    let end = first + 1;
    while (end < history.length - 1 && history[end]!.role !== 'user') end++;
    dropped += end - first;
    history.splice(first, end - first);
  }
  return dropped;
}
