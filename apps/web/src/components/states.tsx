import type { ReactNode } from 'react';

/** A loading placeholder. */
export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="state loading" role="status">
      {what}…
    </div>
  );
}

/** An error's message (the server's, for an `ApiError`); none without an error. */
export function errorMessage(error: unknown): string | undefined {
  if (!error) return undefined;
  return error instanceof Error ? error.message : String(error);
}

/** An error box with the server's message. */
export function ErrorBox({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert">
      {message}
    </div>
  );
}

/** What a list shows when it has nothing. */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}
