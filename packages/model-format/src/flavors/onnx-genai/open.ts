import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readMLmodel } from '../../mlmodel.js';
import { type LoadModelContext, openModelFolder } from '../../model-folder.js';
import { GROWING_CACHE } from './generate.js';
import {
  invalid,
  loadOnnxGenaiOrCpu,
  ONNX_GENAI_FLAVOR,
  type OnnxGenaiSession,
  onnxGenaiFolder,
} from './session.js';

/** An ONNX Runtime GenAI model ready to generate, with the search defaults to start from. */
export interface OpenedOnnxGenai {
  session: OnnxGenaiSession;
  /** Search options to start from: Flowline's growing KV cache, then the model's saved `model_config`. */
  defaults: Record<string, unknown>;
  /** Frees the model. */
  close(): Promise<void>;
}

/**
 * Opens a folder exported for ONNX Runtime GenAI, a Flowline model with the `onnx_genai` flavor, or such
 * a model by URI (`runs:/`, `models:/`, an artifact URI; downloaded, loaded, and the copy removed).
 */
export async function openOnnxGenai(uri: string, context: LoadModelContext = {}): Promise<OpenedOnnxGenai> {
  const folder = await openModelFolder(uri, context);
  try {
    const data = await onnxGenaiFolder(folder.dir);
    if (!(await stat(join(data, 'genai_config.json')).catch(() => null)))
      throw invalid(
        `${folder.downloaded ? uri : data} has no genai_config.json; point at a folder exported for ONNX Runtime GenAI ` +
          `(genai_config.json, the .onnx file, the tokenizer) or at a model with the ${ONNX_GENAI_FLAVOR} flavor.`,
      );
    const flavor =
      data === folder.dir ? undefined : (await readMLmodel(folder.dir)).flavors[ONNX_GENAI_FLAVOR];
    const session = await loadOnnxGenaiOrCpu(data, flavor?.providers as string[] | undefined);
    const saved = flavor?.model_config as Record<string, unknown> | undefined;
    return { session, defaults: { ...GROWING_CACHE, ...saved }, close: () => session.model.close() };
  } finally {
    // The model is in memory now; the downloaded files are not needed.
    await folder.close();
  }
}
