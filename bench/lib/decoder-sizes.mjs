// The generated decoder the LLM benchmarks time: the sizes of a small Llama-style model (~54M parameters:
// 8 layers, hidden 512, MLP 1536, RMSNorm) with ~32k ids like Phi-3's tokenizer. Pass to the testkit's
// createTinyDecoder with a layout and maxPositions.

/** createTinyDecoder's size options shared by bench/onnx-genai and bench/llm-serving. */
export const SIZES = {
  layers: 8,
  heads: 8,
  kvHeads: 8,
  headSize: 64,
  intermediateSize: 1536,
  rmsNorm: true,
  vocabExtra: 31941,
};
