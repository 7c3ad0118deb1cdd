import { type ChatEndpoint, chatCompletion } from '../model.js';

/** What a judge looks at for one row (MLflow 3's scorer arguments; `context` stands in for retrieved documents). */
export interface JudgeInput {
  inputs?: unknown;
  outputs?: unknown;
  expectations?: Record<string, unknown>;
  context?: unknown;
}

/** A judge's verdict on one row (MLflow's `Feedback`): `yes`/`no` (or another value) and why; `error` when judging failed. */
export interface JudgeFeedback {
  name: string;
  value: string | number | boolean | null;
  rationale: string;
  /** The judge model (or `code`), recorded as the assessment's source. */
  source: string;
  error?: string;
}

/** A scorer (MLflow 3): an LLM judge or a JS function, named as its aggregate metrics are (`<name>/mean`). */
export interface Judge {
  name: string;
  judge(input: JudgeInput): Promise<JudgeFeedback>;
}

/** The reply format every judge prompt asks for. */
export const VERDICT_FORMAT =
  'Reply with JSON only, no markdown: {"rationale": "<your reasoning, step by step>", "result": "yes" or "no"}';

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The structured output judges request, as MLflow's (`judge_evaluation`: a `result` and a `rationale`), so
 * a server with constrained decoding answers valid JSON; `result` is limited to yes/no. A small local judge
 * can be held to a short rationale (`rationaleMaxLength`), which ends its reply well before `max_tokens`.
 */
export function verdictResponseFormat(
  options: { rationaleMaxLength?: number } = {},
): Record<string, unknown> {
  const rationale =
    options.rationaleMaxLength === undefined
      ? { type: 'string' }
      : { type: 'string', maxLength: options.rationaleMaxLength };
  return {
    type: 'json_schema',
    json_schema: {
      name: 'judge_evaluation',
      strict: true,
      schema: {
        type: 'object',
        properties: { rationale, result: { type: 'string', enum: ['yes', 'no'] } },
        required: ['rationale', 'result'],
        additionalProperties: false,
      },
    },
  };
}

/** The response format every judge sends unless the endpoint's params override it. */
const VERDICT_RESPONSE_FORMAT = verdictResponseFormat();

/** Fills `{{ inputs }}`, `{{ outputs }}`, `{{ expectations }}`, `{{ context }}` and `{{ expectations.<key> }}`. */
export function fillTemplate(template: string, input: JudgeInput): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (match, key: string) => {
    if (key === 'inputs') return text(input.inputs);
    if (key === 'outputs') return text(input.outputs);
    if (key === 'context') return text(input.context);
    if (key === 'expectations') return text(input.expectations);
    if (key.startsWith('expectations.')) return text(input.expectations?.[key.slice(13)]);
    return match;
  });
}

/**
 * Reads a judge's reply: JSON `{result, rationale}`, possibly inside a markdown code fence. `result` is
 * lower-cased; MLflow's "Let's think step by step" opener is dropped from the rationale.
 */
export function parseVerdict(reply: string): { value: string; rationale: string } {
  const fenced = reply.match(/```(?:json)?\s*([\s\S]*?)```/);
  const body = (fenced ? fenced[1]! : reply).trim();
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  let parsed: { result?: unknown; rationale?: unknown };
  try {
    parsed = JSON.parse(start >= 0 && end > start ? body.slice(start, end + 1) : body);
  } catch {
    throw new Error(`Failed to parse the response from the judge model. Response: ${reply.slice(0, 500)}`);
  }
  if (parsed.result === undefined)
    throw new Error(`The judge model's response has no "result". Response: ${reply.slice(0, 500)}`);
  const rationale = String(parsed.rationale ?? '').replace(/^Let's think step by step[.:]?\s*/i, '');
  return { value: String(parsed.result).trim().toLowerCase(), rationale };
}

/** A judge that asks `model` the prompt `template` filled with the row; `check` refuses rows it cannot judge. */
export function llmJudge(
  name: string,
  model: ChatEndpoint,
  template: string,
  check: (input: JudgeInput) => string | undefined = () => undefined,
): Judge {
  return {
    name,
    async judge(input) {
      const source = model.model;
      const missing = check(input);
      if (missing) return { name, value: null, rationale: '', source, error: missing };
      try {
        const reply = await chatCompletion(
          model,
          [{ role: 'user', content: fillTemplate(template, input) }],
          // The endpoint's params win, so `params: { response_format: undefined }` turns structured output off.
          { temperature: 0, response_format: VERDICT_RESPONSE_FORMAT },
        );
        return { name, source, ...parseVerdict(reply) };
      } catch (error) {
        return { name, value: null, rationale: '', source, error: (error as Error).message };
      }
    },
  };
}

/** A code scorer (MLflow's `@scorer`): a function returning a boolean, number, string or `{ value, rationale }`. */
export function scorer(name: string, fn: (input: JudgeInput) => unknown): Judge {
  return {
    name,
    async judge(input) {
      try {
        const result = await fn(input);
        if (result && typeof result === 'object' && 'value' in result) {
          const r = result as { value: JudgeFeedback['value']; rationale?: string };
          return { name, value: r.value, rationale: r.rationale ?? '', source: 'code' };
        }
        return { name, value: result as JudgeFeedback['value'], rationale: '', source: 'code' };
      } catch (error) {
        return { name, value: null, rationale: '', source: 'code', error: (error as Error).message };
      }
    },
  };
}
