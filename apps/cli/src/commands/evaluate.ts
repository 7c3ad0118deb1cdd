import { MlflowError } from '@flowline/core';
import type { ExtraMetric, ModelType } from '@flowline/evaluation';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { openModelContext } from '../model-context.js';
import { createOutput, table } from '../output.js';
import { cliHttpOptions, trackingUri } from '../tracking.js';
import {
  addJudgeOptions,
  evaluateWithJudgesCli,
  type JudgeCliOptions,
  wantsJudges,
} from './evaluate-judges.js';
import type { GlobalOptions } from './globals.js';

const MODEL_TYPES = ['classifier', 'regressor', 'text', 'question-answering', 'text-summarization'];
const EXTRA_METRICS = [
  'latency',
  'token_count',
  'exact_match',
  'flesch_kincaid_grade_level',
  'ari_grade_level',
  'rouge1',
  'rouge2',
  'rougeL',
  'rougeLsum',
];

interface EvaluateCliOptions extends JudgeCliOptions {
  model?: string;
  endpoint?: string;
  endpointModel?: string;
  systemPrompt?: string;
  data: string;
  modelType?: ModelType;
  targets?: string;
  predictions?: string;
  extraMetrics?: ExtraMetric[];
  datasetName?: string;
  metricPrefix?: string;
  runId?: string;
  experimentId?: string;
  experimentName?: string;
}

function extraMetrics(value: string): ExtraMetric[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !EXTRA_METRICS.includes(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown metric ${unknown.join(', ')}; choose from ${EXTRA_METRICS.join(', ')}.`,
    );
  return names as ExtraMetric[];
}

/** The model argument of `evaluate`: an endpoint, a model URI (with the CLI's store access), or none. */
async function modelOf(opts: EvaluateCliOptions, g: GlobalOptions) {
  if (opts.endpoint) {
    if (opts.model)
      throw MlflowError.invalidParameterValue('Give either -m/--model or --endpoint, not both.');
    if (!opts.endpointModel)
      throw MlflowError.invalidParameterValue(
        '--endpoint needs --endpoint-model (the model name to request).',
      );
    const apiKey = process.env.OPENAI_API_KEY;
    return {
      model: {
        baseUrl: opts.endpoint,
        model: opts.endpointModel,
        ...(apiKey ? { apiKey } : {}),
        ...(opts.systemPrompt ? { systemPrompt: opts.systemPrompt } : {}),
      },
      close: async () => {},
    };
  }
  if (!opts.model) {
    if (!opts.predictions)
      throw MlflowError.invalidParameterValue(
        'Give a model (-m/--model URI or --endpoint URL), or --predictions with the column that holds them.',
      );
    return { close: async () => {} };
  }
  const opened = await openModelContext(opts.model, g);
  return { model: opts.model, loadModelContext: opened.context, close: () => opened.close() };
}

function describe(result: {
  runId: string;
  metrics: Record<string, number>;
  artifacts: Record<string, string>;
}): string {
  const metrics = table(
    ['metric', 'value'],
    Object.entries(result.metrics).map(([k, v]) => [k, Number.isInteger(v) ? v : v.toPrecision(6)]),
  );
  const artifacts = Object.entries(result.artifacts).map(([name, uri]) => `  ${name}: ${uri}`);
  return [
    `Evaluation logged to run ${result.runId}.`,
    metrics,
    ...(artifacts.length > 0 ? ['Artifacts:', ...artifacts] : []),
  ].join('\n');
}

/** `-d`: a file, or `runs:/<run_id>` for the local dataset file that run logged as an input. */
function dataOf(opts: EvaluateCliOptions): string | { runId: string; name?: string } {
  const run = /^runs:\/+([^/]+)\/?$/.exec(opts.data);
  if (!run) return opts.data;
  return { runId: run[1]!, ...(opts.datasetName ? { name: opts.datasetName } : {}) };
}

/** `flowline evaluate`: MLflow's `mlflow.evaluate` over a CSV or JSONL dataset, logged to a run. */
export function registerEvaluate(program: Command): void {
  const command = program
    .command('evaluate')
    .description(
      "Evaluate a model over a dataset as MLflow's mlflow.evaluate: default metrics per model type, plots, the per-row results table and the dataset input, logged to a run. With --scorers or --judge, LLM judges score each row instead (MLflow 3's mlflow.genai.evaluate).",
    )
    .option('-m, --model <uri>', 'model URI (runs:/…, models:/…, a folder)')
    .option(
      '--endpoint <url>',
      'OpenAI-compatible API root instead of a model, e.g. http://127.0.0.1:5000/v1 (key: $OPENAI_API_KEY)',
    )
    .option('--endpoint-model <name>', 'model name sent to --endpoint')
    .option('--system-prompt <text>', 'system message sent before each row, with --endpoint')
    .requiredOption(
      '-d, --data <file>',
      'dataset: .csv with a header row, .jsonl with one object per line, or runs:/<run_id> (the file that run logged as its dataset)',
    )
    .addOption(
      new Option('--model-type <type>', 'which default metrics (required without judges)').choices(
        MODEL_TYPES,
      ),
    )
    .option('--targets <column>', 'column with the true values (required for classifier and regressor)')
    .option('--predictions <column>', 'column already holding the predictions (no model is called)')
    .option('--extra-metrics <names>', `comma-separated: ${EXTRA_METRICS.join(', ')}`, extraMetrics)
    .option('--dataset-name <name>', 'name the dataset input is logged under (default: the file name)')
    .option('--metric-prefix <prefix>', 'prepended to every metric and artifact name')
    .option('--run-id <id>', 'log into this existing run (default: a new run)')
    .option('--experiment-id <id>', 'experiment of the new run')
    .option('--experiment-name <name>', 'experiment of the new run, by name (created when missing)');
  addJudgeOptions(command).action(async (opts: EvaluateCliOptions, cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const { Tracker } = await import('@flowline/client');
    const judged = wantsJudges(opts);
    if (!judged && !opts.modelType)
      throw MlflowError.invalidParameterValue(
        `Give --model-type (${MODEL_TYPES.join(', ')}), or judges with --scorers or --judge.`,
      );
    const { evaluate } = await import('@flowline/evaluation');
    const tracker = new Tracker({
      trackingUri: await trackingUri(g.trackingUri),
      http: await cliHttpOptions(g.trackingUri),
    });
    const model = await modelOf(opts, g);
    try {
      if (opts.experimentName) await tracker.setExperiment(opts.experimentName);
      if (judged) {
        await evaluateWithJudgesCli({ opts, model, tracker, json: g.json });
        return;
      }
      const result = await evaluate({
        ...(model.model === undefined ? {} : { model: model.model }),
        ...(model.loadModelContext ? { loadModelContext: model.loadModelContext } : {}),
        data: dataOf(opts),
        modelType: opts.modelType,
        targets: opts.targets,
        predictions: opts.predictions,
        extraMetrics: opts.extraMetrics,
        datasetName: opts.datasetName,
        metricPrefix: opts.metricPrefix,
        runId: opts.runId,
        experimentId: opts.experimentId,
        tracker,
      });
      createOutput(g.json).result(
        { run_id: result.runId, metrics: result.metrics, artifacts: result.artifacts },
        () => describe(result),
      );
    } finally {
      await model.close();
      await tracker.close();
    }
  });
}
