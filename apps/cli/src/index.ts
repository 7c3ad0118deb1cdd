export { ExitCode, exitCodeFor, RUN_EXIT_CODES } from './exit-codes.js';
export { createProgram } from './program.js';
