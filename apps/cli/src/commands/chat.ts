import { createInterface } from 'node:readline';
import type { ChatMessage } from '@flowline/model-format';
import type { Command } from 'commander';
import { dropOldestTurns } from '../chat-history.js';
import { ExitCode } from '../exit-codes.js';
import {
  conversation,
  type GenerationOptions,
  generationOptions,
  generatorParams,
  loadGenerator,
  maxLengthOf,
  promptIds,
  stats,
  summarize,
} from './generate.js';
import type { GlobalOptions } from './globals.js';

/**
 * `flowline chat`: one user message per stdin line, answered with the whole conversation as history; when
 * it fills max_length, says so (exit 7 without a terminal) or, with --drop-oldest, drops the oldest turns.
 */
export function registerChat(program: Command): void {
  generationOptions(
    program
      .command('chat')
      .description(
        'Chat with an ONNX Runtime GenAI model: one user message per stdin line, answers streamed to stdout.',
      ),
  )
    .option(
      '--drop-oldest',
      'when the conversation fills max_length, drop its oldest exchanges (the system message stays) and go on',
    )
    .action(async (options: GenerationOptions & { dropOldest?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const history = conversation(options);
      const loaded = await loadGenerator(options.model, g);
      const maxLength = maxLengthOf(loaded, options);
      // One generator for the whole chat: its KV cache carries the conversation, so each turn runs only
      // the tokens the last one did not (continuous decoding).
      const [{ Generator }, { continueText }] = await Promise.all([
        import('@flowline/onnx-genai'),
        import('@flowline/model-format'),
      ]);
      const generator = new Generator(
        loaded.session.model,
        await generatorParams(loaded, options, maxLength),
      );
      const interactive = process.stdin.isTTY === true;
      const lines = createInterface({ input: process.stdin, terminal: false });
      const ask = () => {
        if (interactive) process.stderr.write('> ');
      };
      const tokens = (messages: ChatMessage[]) => promptIds(loaded.session, messages, options.chatTemplate);
      // Dropping leaves room for an answer: --max-new-tokens, else a quarter of max_length.
      const room = options.maxNewTokens ?? Math.max(1, Math.floor(maxLength / 4));
      let pending: string | null = null;
      try {
        ask();
        for await (const line of lines) {
          let content = line.trim();
          const dropNow = content === '/drop-oldest' && pending !== null;
          if (dropNow) content = pending!;
          pending = null;
          if (content) {
            // The whole conversation goes through the chat template each turn; the generator reuses the part it holds.
            history.push({ role: 'user', content });
            if (tokens(history).length >= maxLength || options.dropOldest || dropNow) {
              const fit = fitConversation(history, tokens, maxLength, room, options.dropOldest || dropNow);
              if (fit === 'full' && !interactive) {
                process.exitCode = ExitCode.contextFull;
                break;
              }
              if (fit === 'full') pending = content;
              if (fit !== 'fits') {
                ask();
                continue;
              }
            }
            const ids = tokens(history);
            const summary = await summarize(() =>
              continueText(loaded.session, generator, ids, {
                ...(options.maxNewTokens !== undefined ? { maxNewTokens: options.maxNewTokens } : {}),
                onText: (text) => {
                  if (!g.json) process.stdout.write(text);
                },
              }),
            );
            history.push({ role: 'assistant', content: summary.text });
            if (g.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
            else {
              process.stdout.write('\n');
              process.stderr.write(stats(summary));
            }
            if (ids.length + summary.tokens >= maxLength && !options.dropOldest)
              process.stderr.write(
                `flowline: the answer stopped at this chat's max_length (${maxLength} tokens, prompt plus answers); ` +
                  'the next message needs --drop-oldest or a larger --max-length.\n',
              );
          }
          ask();
        }
      } finally {
        lines.close();
        await loaded.close();
      }
    });
}

/**
 * Makes the conversation (ending in the new user message) fit under `maxLength`: with `drop`, by dropping
 * its oldest exchanges until `room` tokens are left for the answer ('fits'; 'skipped' when the message
 * alone is too long, and it is taken back); without, it says the chat is full and takes the message back
 * ('full'). Each case is reported on stderr.
 */
function fitConversation(
  history: ChatMessage[],
  tokens: (messages: ChatMessage[]) => number[],
  maxLength: number,
  room: number,
  drop: boolean,
): 'fits' | 'skipped' | 'full' {
  const size = tokens(history).length;
  if (drop) {
    const dropped = dropOldestTurns(history, (m) => tokens(m).length + room <= maxLength);
    if (dropped !== null) {
      if (dropped > 0)
        process.stderr.write(
          `flowline: the conversation filled max_length ${maxLength}; dropped its ${dropped} oldest messages.\n`,
        );
      return 'fits';
    }
    const what = history[0]?.role === 'system' ? 'the system message and that message' : 'that message alone';
    history.pop();
    process.stderr.write(
      `flowline: ${what} leaves no room for an answer under max_length ${maxLength}; send a shorter one or raise --max-length.\n`,
    );
    return 'skipped';
  }
  history.pop();
  process.stderr.write(
    `flowline: the conversation is ${size} tokens and fills this chat's max_length ${maxLength} (prompt plus answers), so there is no room for an answer. ` +
      `Run chat with --drop-oldest to drop the oldest exchanges as it fills${process.stdin.isTTY ? ', type /drop-oldest to do it now and send that message again' : ''}, or raise --max-length.\n`,
  );
  return 'full';
}
