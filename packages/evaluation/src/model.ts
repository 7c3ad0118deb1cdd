import { MlflowError } from '@flowline/core';
import type { Row } from './data.js';

/** A JS model: takes the feature rows of a batch and returns one prediction per row. */
export type PredictFunction = (rows: Row[]) => unknown[] | Promise<unknown[]>;

/** An OpenAI-compatible chat completions endpoint (OpenAI, a served local model, a gateway). */
export interface ChatEndpoint {
  /** The API root, e.g. `http://127.0.0.1:5000/v1` (requests go to `<baseUrl>/chat/completions`). */
  baseUrl: string;
  /** The model name sent with each request. */
  model: string;
  apiKey?: string;
  /** A system message sent before each row's question. */
  systemPrompt?: string;
  /** More request fields (`temperature`, `max_tokens`, …); they override those a judge sets. */
  params?: Record<string, unknown>;
}

/** What `evaluate` scores: a model URI (loaded with `@flowline/model-format`), a JS function or an endpoint. */
export type EvaluationModel = string | PredictFunction | ChatEndpoint;

/** A model ready to predict, and how it wants to be called. */
export interface ModelRunner {
  predict(rows: Row[]): Promise<unknown[]>;
  /** True when each row is one request anyway (an endpoint), so rows are sent one by one. */
  perRow: boolean;
  close(): Promise<void>;
}

/** The columns a chat endpoint reads its question from, in order of preference. */
const QUESTION_COLUMNS = ['inputs', 'question', 'prompt', 'input', 'text'];

/** The chat messages one row becomes: its `messages` list, else its question column, else its only column. */
export function rowMessages(row: Row, systemPrompt?: string): Array<{ role: string; content: string }> {
  const system = systemPrompt ? [{ role: 'system', content: systemPrompt }] : [];
  if (Array.isArray(row.messages))
    return [...system, ...(row.messages as Array<{ role: string; content: string }>)];
  const column =
    QUESTION_COLUMNS.find((c) => c in row) ??
    (Object.keys(row).length === 1 ? Object.keys(row)[0] : undefined);
  const content = column === undefined ? JSON.stringify(row) : String(row[column] ?? '');
  return [...system, { role: 'user', content }];
}

/** Sends one chat completion and returns the first choice's text. */
export async function chatCompletion(
  endpoint: ChatEndpoint,
  messages: Array<{ role: string; content: string }>,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const url = `${endpoint.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: endpoint.model, messages, ...extra, ...endpoint.params }),
    });
  } catch (cause) {
    throw MlflowError.invalidParameterValue(`Cannot reach the chat endpoint ${url}: is it running?`, {
      cause,
    });
  }
  const text = await response.text();
  if (!response.ok)
    throw MlflowError.invalidParameterValue(
      `The chat endpoint ${url} answered ${response.status}: ${text.slice(0, 300)}`,
    );
  const body = JSON.parse(text) as { choices?: Array<{ message?: { content?: string | null } }> };
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string')
    throw MlflowError.invalidParameterValue(
      `The chat endpoint ${url} answered without choices[0].message.content.`,
    );
  return content;
}

/** A model's output as one prediction per row: a list, `{predictions: […]}`, or one column of a record. */
export function predictionList(output: unknown, rows: number): unknown[] {
  let list: unknown = output;
  if (list && typeof list === 'object' && !Array.isArray(list) && 'predictions' in list)
    list = (list as { predictions: unknown }).predictions;
  if (list && typeof list === 'object' && !Array.isArray(list)) {
    const columns = Object.values(list as Record<string, unknown>);
    if (columns.length === 1 && Array.isArray(columns[0])) list = columns[0];
  }
  if (!Array.isArray(list) || list.length !== rows)
    throw MlflowError.invalidParameterValue(
      `The model must return one prediction per row (${rows} rows); it returned ${
        Array.isArray(list) ? `${list.length} predictions` : typeof list
      }.`,
    );
  return list;
}

/** Opens what `model` names; a URI needs `@flowline/model-format` (an optional peer) and is closed after. */
export async function openModel(
  model: EvaluationModel,
  loadContext: (uri: string) => Promise<import('@flowline/model-format').LoadModelContext>,
): Promise<ModelRunner> {
  if (typeof model === 'function')
    return {
      perRow: false,
      close: async () => {},
      predict: async (rows) => predictionList(await model(rows), rows.length),
    };
  if (typeof model === 'object' && model !== null && 'baseUrl' in model)
    return {
      perRow: true,
      close: async () => {},
      predict: async (rows) =>
        Promise.all(rows.map((row) => chatCompletion(model, rowMessages(row, model.systemPrompt)))),
    };
  if (typeof model !== 'string')
    throw MlflowError.invalidParameterValue(
      'model must be a model URI, a function of the rows, or an endpoint { baseUrl, model }.',
    );
  let formats: typeof import('@flowline/model-format');
  try {
    formats = await import('@flowline/model-format');
  } catch (cause) {
    throw MlflowError.invalidParameterValue(
      `Evaluating the model URI '${model}' needs @flowline/model-format: npm install @flowline/model-format`,
      { cause },
    );
  }
  const loaded = await formats.loadModel(model, await loadContext(model));
  return {
    perRow: false,
    close: () => loaded.close(),
    predict: async (rows) => predictionList(await loaded.predict(rows), rows.length),
  };
}
