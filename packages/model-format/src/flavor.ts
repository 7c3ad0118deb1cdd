import { MlflowError } from '@flowline/core';
import type { MLModel } from './mlmodel.js';

/** What a loaded model offers, whatever its flavor: MLflow's pyfunc `predict`, for Node. */
export interface Predictor {
  predict(input: unknown, params?: Record<string, unknown>): Promise<unknown>;
  /** Streams the prediction in pieces (tokens of a chat answer), for models that can. */
  predictStream?(input: unknown, params?: Record<string, unknown>): AsyncIterable<unknown>;
}

/** A flavor: how a kind of model is loaded from its folder. Adding one touches no other. */
export interface Flavor {
  readonly name: string;
  load(dir: string, config: Record<string, unknown>, model: MLModel): Promise<Predictor>;
}

/** Flavors by name. */
export class FlavorRegistry {
  readonly #flavors = new Map<string, Flavor>();

  /** Adds (or replaces) a flavor. */
  register(flavor: Flavor): this {
    this.#flavors.set(flavor.name, flavor);
    return this;
  }

  /** The flavor to load a model with: the first of its flavors this registry knows. */
  pick(model: MLModel): { flavor: Flavor; config: Record<string, unknown> } {
    for (const [name, config] of Object.entries(model.flavors)) {
      const flavor = this.#flavors.get(name);
      if (flavor) return { flavor, config };
    }
    throw MlflowError.invalidParameterValue(
      `This model has flavors ${Object.keys(model.flavors).join(', ')}, and Flowline cannot run any of them ` +
        `(it knows ${[...this.#flavors.keys()].join(', ')}). Log the model with a flavor Flowline supports.`,
    );
  }
}
