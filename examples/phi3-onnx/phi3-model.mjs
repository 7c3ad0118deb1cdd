// MLflow's Phi-3 + ONNX Runtime GenAI walkthrough as a Flowline custom JS model (the counterpart of its
// `mlflow.pyfunc.PythonModel`). `loadContext` builds the model, the generator params and the tokenizer from
// the `phi3-mini-onnx` artifact; `predict` answers each row's `prompt` with the generated text.
import { GeneratorParams, generate, Model, Tokenizer } from '@flowline/onnx-genai';

export default class Phi3Model {
  async loadContext(context) {
    const modelPath = context.artifacts['phi3-mini-onnx'];
    this.model = await Model.load(modelPath);
    this.params = new GeneratorParams(this.model);
    // As in the walkthrough: max_length 300 (prompt plus answer) and temperature 0.2, without do_sample.
    // ONNX Runtime GenAI then decodes greedily and the temperature has no effect; log the model with
    // do_sample: true in its model config (and top_k above 1, since Phi-3's genai_config has top_k 1) to sample.
    const { max_length = 300, temperature = 0.2, ...rest } = context.modelConfig;
    this.params.setSearchOptions({ max_length, temperature, ...rest });
    this.tokenizer = await Tokenizer.fromFolder(modelPath);
  }

  async predict(_context, rows) {
    const answers = [];
    for (const row of rows) {
      // The walkthrough formats Phi-3's template by hand; the tokenizer's own chat template renders the same.
      const prompt = this.tokenizer.applyChatTemplate([{ role: 'user', content: row.prompt }]);
      const inputTokens = this.tokenizer.encode(prompt);
      // generate() returns the whole sequence, prompt included (as the walkthrough's model.generate did).
      const sequence = await generate(this.model, this.params, inputTokens);
      answers.push(this.tokenizer.decode(sequence.slice(inputTokens.length)));
    }
    return answers;
  }
}
