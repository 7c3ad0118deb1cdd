import { execFile } from 'node:child_process';
import { MlflowError } from '@flowline/core';

/** Runs a setup command (an install), keeping its output for the error message if it fails. */
export function runQuiet(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: process.env },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-8).join('\n');
        reject(
          MlflowError.invalidParameterValue(
            `Setting up the environment failed: ${command} ${args.join(' ')}\n${tail}`,
            { cause: error },
          ),
        );
      },
    );
  });
}
