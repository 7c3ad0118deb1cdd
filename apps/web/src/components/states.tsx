import type { ReactNode } from 'react';
import type { Pages } from '../lib/use-pages.js';

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

/** The foot of a paged list: loading while a page loads, else a button for the next page when there is one. */
export function LoadMore({
  pages,
  what,
}: {
  pages: Pick<Pages<unknown>, 'loading' | 'hasMore' | 'loadMore'>;
  what: string;
}) {
  if (pages.loading) return <Loading what={`Loading ${what}`} />;
  if (!pages.hasMore) return null;
  return (
    <button type="button" className="load-more" onClick={pages.loadMore}>
      Load more {what}
    </button>
  );
}
