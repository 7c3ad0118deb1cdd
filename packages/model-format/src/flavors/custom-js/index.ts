import { cp, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MlflowError } from '@flowline/core';
import type { Flavor, PredictOptions, Predictor, SavedFlavor } from '../../flavor.js';

/** The flavor name of custom JS models (the counterpart of MLflow's `PythonModel`). */
export const CUSTOM_JS_FLAVOR = 'custom_js';

/** What a custom model gets when it loads: the local paths of its artifacts and the model config. */
export interface ModelContext {
  artifacts: Record<string, string>;
  modelConfig: Record<string, unknown>;
}

/**
 * A user model: `loadContext` once, then `predict` per request. `predict` and `predictStream` get the
 * call's options last, always as an object: its `signal` aborts when the caller cancels (the scoring
 * server: the client hung up, or `--request-timeout` passed). A model that generates should then stop
 * and throw `signal.reason` (`signal.throwIfAborted()`); one that ignores it runs to its end.
 */
export interface CustomModel {
  loadContext?(context: ModelContext): Promise<void> | void;
  predict(
    context: ModelContext,
    input: unknown,
    params?: Record<string, unknown>,
    options?: PredictOptions,
  ): Promise<unknown> | unknown;
  /** Optional: yields the prediction in pieces (MLflow's `predict_stream`), e.g. chat tokens. */
  predictStream?(
    context: ModelContext,
    input: unknown,
    params?: Record<string, unknown>,
    options?: PredictOptions,
  ): AsyncIterable<unknown>;
  /** Optional: releases what `loadContext` opened; called when the loaded model is closed. */
  close?(): Promise<void> | void;
}

/** How to package a custom model: its code (a module exporting the class), artifacts and npm dependencies. */
export interface CustomModelSpec {
  /** The module file that exports the model class (copied into the model so it loads anywhere). */
  code: string;
  /** The export holding the class (default: `default`). */
  exportName?: string;
  /** More files or folders the code imports, copied beside it. */
  codePaths?: string[];
  /** Named files or folders copied into the model's `artifacts/`. */
  artifacts?: Record<string, string>;
  /** npm dependencies the code needs (`name@version`), recorded in the model's package.json. */
  dependencies?: string[];
  modelConfig?: Record<string, unknown>;
}

async function copyInto(source: string, targetDir: string): Promise<string> {
  const absolute = isAbsolute(source) ? source : resolve(source);
  const info = await stat(absolute).catch(() => null);
  if (!info) throw MlflowError.invalidParameterValue(`Cannot package '${source}': it does not exist.`);
  const target = join(targetDir, basename(absolute));
  await cp(absolute, target, { recursive: true });
  return basename(absolute);
}

/** Writes a custom model's payload into a model folder; returns its MLmodel flavor entry. */
async function saveCustomModel(dir: string, spec: CustomModelSpec): Promise<SavedFlavor> {
  const codeDir = join(dir, 'code');
  await mkdir(codeDir, { recursive: true });
  const entry = await copyInto(spec.code, codeDir);
  for (const extra of spec.codePaths ?? []) await copyInto(extra, codeDir);
  const artifacts: Record<string, { path: string; uri: string }> = {};
  if (spec.artifacts) {
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    for (const [name, source] of Object.entries(spec.artifacts)) {
      const copied = await copyInto(source, join(dir, 'artifacts'));
      artifacts[name] = { path: `artifacts/${copied}`, uri: source };
    }
  }
  const dependencies = Object.fromEntries((spec.dependencies ?? []).map(splitDependency));
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  const config = {
    code: `code/${entry}`,
    export: spec.exportName ?? 'default',
    artifacts,
    npm_dependencies: spec.dependencies ?? [],
    ...(spec.modelConfig ? { model_config: spec.modelConfig } : {}),
  };
  return { flavors: { [CUSTOM_JS_FLAVOR]: config } };
}

/** `name@version` (or a bare name) as `[name, version]`. */
function splitDependency(dependency: string): [string, string] {
  const at = dependency.lastIndexOf('@');
  return at > 0 ? [dependency.slice(0, at), dependency.slice(at + 1)] : [dependency, '*'];
}

/** The folder of package `name` as Node finds it from `start`: the nearest `node_modules/<name>` above it. */
async function findPackage(name: string, start: string): Promise<string | undefined> {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (await stat(join(candidate, 'package.json')).catch(() => null)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Makes the model's npm dependencies importable from its code, as MLflow's local environment manager
 * uses the packages already installed: a dependency the code's folder cannot reach is linked into the
 * model's `node_modules` from the running program's (the working directory's, else Flowline's own).
 */
async function linkDependencies(dir: string, names: string[]): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const name of names) {
    if (await findPackage(name, join(dir, 'code'))) continue;
    const installed = (await findPackage(name, process.cwd())) ?? (await findPackage(name, here));
    if (!installed) continue;
    const link = join(dir, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    // A read-only model folder stays as it is; the import then fails with Node's own message.
    await symlink(installed, link, 'dir').catch(() => {});
  }
}

/**
 * Custom JS models: `save` copies the code, artifacts and dependency list in; `load` imports the packaged
 * code, builds the class, calls `loadContext`, and `close` calls the model's own `close()` when it has one.
 * `predict(context, input, params, { signal })`: the fourth argument carries the call's cancel signal.
 */
export const flavor: Flavor<CustomModelSpec> = {
  name: CUSTOM_JS_FLAVOR,
  save: saveCustomModel,
  async load(dir, config): Promise<Predictor> {
    const code = String(config.code ?? '');
    if (!code || code.includes('..'))
      throw MlflowError.invalidParameterValue('custom_js flavor config needs its code path.');
    await linkDependencies(
      dir,
      ((config.npm_dependencies as string[] | undefined) ?? []).map((d) => splitDependency(d)[0]),
    );
    const mod = (await import(pathToFileURL(join(dir, code)).href)) as Record<string, unknown>;
    const exported = mod[String(config.export ?? 'default')];
    if (typeof exported !== 'function') {
      throw MlflowError.invalidParameterValue(
        `The model code ${code} exports no class named '${String(config.export ?? 'default')}'.`,
      );
    }
    const instance = new (exported as new () => CustomModel)();
    if (typeof instance.predict !== 'function')
      throw MlflowError.invalidParameterValue(
        `The model class in ${code} has no predict(context, input, params) method.`,
      );
    const artifacts = Object.fromEntries(
      Object.entries((config.artifacts as Record<string, { path: string }>) ?? {}).map(([name, a]) => [
        name,
        join(dir, a.path),
      ]),
    );
    const context: ModelContext = {
      artifacts,
      modelConfig: (config.model_config as Record<string, unknown>) ?? {},
    };
    await instance.loadContext?.(context);
    // The call's options (its cancel signal) come last, always an object, so a model may destructure it.
    const predictor: Predictor = {
      predict: async (input, params, options) =>
        instance.predict(context, input, params, { signal: options?.signal }),
      close: async () => {
        await instance.close?.();
      },
    };
    if (typeof instance.predictStream === 'function') {
      const stream = instance.predictStream.bind(instance);
      predictor.predictStream = (input, params, options) =>
        stream(context, input, params, { signal: options?.signal });
    }
    return predictor;
  },
};
