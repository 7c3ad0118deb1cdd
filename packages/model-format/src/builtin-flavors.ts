import { FlavorRegistry } from './flavor.js';

/**
 * The flavors Flowline saves and loads out of the box, each imported the first time it is used (so
 * loading an ONNX model never imports transformers.js). Register more on the registry this returns, or on
 * your own; `saveModel` takes the built-ins by their shorthand (`custom`, `onnx`, `transformers`, `onnxGenai`).
 */
export function defaultFlavors(): FlavorRegistry {
  return new FlavorRegistry()
    .registerLazy('custom_js', async () => (await import('./flavors/custom-js/index.js')).flavor, {
      shorthand: 'custom',
    })
    .registerLazy('onnx', async () => (await import('./flavors/onnx/index.js')).flavor, {
      shorthand: 'onnx',
    })
    .registerLazy('transformers', async () => (await import('./flavors/transformers/index.js')).flavor, {
      shorthand: 'transformers',
    })
    .registerLazy('onnx_genai', async () => (await import('./flavors/onnx-genai/index.js')).flavor, {
      shorthand: 'onnxGenai',
    });
}
