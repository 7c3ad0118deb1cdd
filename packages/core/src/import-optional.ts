import { MlflowError } from './errors.js';

/**
 * Loads an optional peer dependency through `load` (the caller's own `import('name')`, so the package
 * resolves from the caller's folder). When `name` itself is not installed, throws `INVALID_STATE` naming
 * the package, what it is needed for and the `npm install` that fixes it; any other failure (a broken
 * install, an error inside the module) is rethrown unchanged.
 */
export async function importOptional<T>(name: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw MlflowError.invalidState(
      `${name} is needed ${purpose} but is not installed; install it with \`npm install ${name}\` ` +
        `(it is an optional peer dependency, so it is not installed automatically)`,
      { cause: error },
    );
  }
}

/** True when `error` says that `name` (not some module inside it) could not be found. */
function isMissing(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = String((error as { message?: unknown }).message ?? '');
  // Node names the package as 'name' (ESM: "Cannot find package 'pg' imported from …").
  return message.includes(`'${name}'`) || message.includes(`"${name}"`);
}
