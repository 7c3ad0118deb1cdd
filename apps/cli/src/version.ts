import { readFileSync } from 'node:fs';

/** This CLI's package.json: its name, version and the runtimes it declares as optional peers. */
export const CLI_PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies?: Record<string, string>;
};

/** This CLI's version, printed by `flowline --version`. */
export const VERSION: string = CLI_PACKAGE.version;
