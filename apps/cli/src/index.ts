export { ExitCode, exitCodeFor } from './exit-codes.js';
export { createProgram } from './program.js';
