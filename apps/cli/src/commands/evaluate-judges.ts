import { readFile } from 'node:fs/promises';
import type { Tracker } from '@flowline/client';
import { MlflowError } from '@flowline/core';
import type { ChatEndpoint, EvaluationModel, Judge } from '@flowline/evaluation';
import { type Command, InvalidArgumentError } from 'commander';
import { commaList, keyValue, repeatable, wholeNumber } from '../arguments.js';
import { createOutput, table } from '../output.js';

/** MLflow 3's built-in judges by their scorer names. */
export const SCORERS = [
  'correctness',
  'relevance_to_query',
  'retrieval_groundedness',
  'safety',
  'guidelines',
] as const;

/** The judge flags of `flowline evaluate`. */
export interface JudgeCliOptions {
  scorers?: string[];
  guidelines?: string[];
  judge?: Record<string, string>;
  judgeEndpoint?: string;
  judgeModel?: string;
  judgeParam?: Record<string, string>;
  inputs?: string;
  context?: string;
  concurrency?: number;
}

function scorerList(value: string): string[] {
  const names = commaList(value);
  const unknown = names.filter((n) => !(SCORERS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown scorer ${unknown.join(', ')}; choose from ${SCORERS.join(', ')}.`,
    );
  return names;
}

/** Adds the judge flags (MLflow 3's `mlflow.genai.evaluate` scorers) to `evaluate`. */
export function addJudgeOptions(command: Command): Command {
  return command
    .option('--scorers <names>', `LLM judges, comma-separated: ${SCORERS.join(', ')}`, scorerList)
    .option('--guidelines <text>', 'a guideline for the guidelines judge (repeatable)', repeatable)
    .option(
      '--judge <name=file>',
      'a custom judge: its name and a file of instructions using {{ inputs }}, {{ outputs }}, {{ expectations }} or {{ context }} (repeatable)',
      keyValue('--judge'),
    )
    .option('--judge-endpoint <url>', 'OpenAI-compatible API root of the judge model (key: $OPENAI_API_KEY)')
    .option('--judge-model <name>', 'model name sent to --judge-endpoint')
    .option(
      '--judge-param <key=json>',
      'a request field for the judge, as JSON (max_tokens=120, temperature=0; repeatable)',
      keyValue('--judge-param'),
    )
    .option(
      '--inputs <column>',
      'with judges: the column holding the question (default: inputs, or the other columns)',
    )
    .option('--context <column>', 'with judges: the column holding retrieved documents (default: context)')
    .option(
      '--concurrency <n>',
      'with judges: rows judged at once (default 4)',
      wholeNumber('--concurrency'),
    );
}

/** Whether the flags ask for judges rather than `mlflow.evaluate`'s default metrics. */
export function wantsJudges(opts: JudgeCliOptions): boolean {
  return Boolean(opts.scorers?.length || (opts.judge && Object.keys(opts.judge).length > 0));
}

function judgeEndpoint(opts: JudgeCliOptions): ChatEndpoint {
  if (!opts.judgeEndpoint || !opts.judgeModel)
    throw MlflowError.invalidParameterValue(
      'Judges need a judge model: give --judge-endpoint <url> and --judge-model <name> (a served model works: flowline models serve).',
    );
  const params = Object.fromEntries(
    Object.entries(opts.judgeParam ?? {}).map(([key, text]) => {
      try {
        return [key, JSON.parse(text)];
      } catch {
        return [key, text];
      }
    }),
  );
  const apiKey = process.env.OPENAI_API_KEY;
  return {
    baseUrl: opts.judgeEndpoint,
    model: opts.judgeModel,
    ...(apiKey ? { apiKey } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
  };
}

async function judgesOf(opts: JudgeCliOptions): Promise<Judge[]> {
  const evaluation = await import('@flowline/evaluation');
  const model = judgeEndpoint(opts);
  const judges: Judge[] = (opts.scorers ?? []).map((name) => {
    if (name === 'guidelines') {
      if (!opts.guidelines?.length)
        throw MlflowError.invalidParameterValue(
          'The guidelines judge needs at least one --guidelines <text>.',
        );
      return evaluation.guidelines({ model, guidelines: opts.guidelines });
    }
    const make = {
      correctness: evaluation.correctness,
      relevance_to_query: evaluation.relevanceToQuery,
      retrieval_groundedness: evaluation.retrievalGroundedness,
      safety: evaluation.safety,
    }[name as Exclude<(typeof SCORERS)[number], 'guidelines'>];
    return make({ model });
  });
  for (const [name, file] of Object.entries(opts.judge ?? {})) {
    const instructions = await readFile(file, 'utf8').catch((cause: unknown) => {
      throw MlflowError.invalidParameterValue(
        `Cannot read the instructions of judge '${name}' from ${file}.`,
        {
          cause,
        },
      );
    });
    judges.push(evaluation.makeJudge({ model, name, instructions }));
  }
  return judges;
}

/** What the judge mode needs from the `evaluate` command. */
export interface JudgeRun {
  opts: JudgeCliOptions & {
    data: string;
    targets?: string;
    predictions?: string;
    datasetName?: string;
    runId?: string;
    experimentId?: string;
  };
  model: { model?: EvaluationModel; loadModelContext?: import('@flowline/model-format').LoadModelContext };
  tracker: Tracker;
  json: boolean;
}

/** `flowline evaluate --scorers …`: each row judged (MLflow 3's `mlflow.genai.evaluate`), logged to a run. */
export async function evaluateWithJudgesCli({ opts, model, tracker, json }: JudgeRun): Promise<void> {
  const evaluation = await import('@flowline/evaluation');
  const scorers = await judgesOf(opts);
  const loaded = await evaluation.loadData(opts.data, opts.datasetName);
  const data = evaluation.judgedRowsOf(loaded.rows, {
    ...(opts.inputs ? { inputs: opts.inputs } : {}),
    ...(opts.predictions ? { outputs: opts.predictions } : {}),
    ...(opts.targets ? { targets: opts.targets } : {}),
    ...(opts.context ? { context: opts.context } : {}),
  });
  const predict =
    model.model && !opts.predictions
      ? await evaluation.judgePredictFn(model.model, async () => model.loadModelContext ?? {})
      : undefined;
  try {
    const result = await evaluation.evaluateWithJudges({
      data,
      scorers,
      tracker,
      dataset: loaded.dataset,
      ...(predict ? { predictFn: predict.predictFn } : {}),
      ...(opts.runId ? { runId: opts.runId } : {}),
      ...(opts.experimentId ? { experimentId: opts.experimentId } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    });
    const failed = result.rows.flatMap((r) => r.feedback).filter((f) => f.error);
    createOutput(json).result(
      {
        run_id: result.runId,
        metrics: result.metrics,
        rows: result.rows.length,
        assessments: result.assessments,
        errors: failed.map((f) => ({ scorer: f.name, error: f.error })),
      },
      () =>
        [
          `Judged ${result.rows.length} rows; logged to run ${result.runId} (table eval_results_table.json).`,
          table(
            ['metric', 'value'],
            Object.entries(result.metrics).map(([k, v]) => [k, Number.isInteger(v) ? v : v.toPrecision(4)]),
          ),
          ...(failed.length > 0
            ? [`${failed.length} judgements failed, e.g. ${failed[0]!.name}: ${failed[0]!.error}`]
            : []),
        ].join('\n'),
    );
  } finally {
    await predict?.close();
  }
}
