import { hrefWith, type Location, navigate } from './router.js';

/** A column sort: its key and direction. */
export interface ListSort {
  key: string;
  descending: boolean;
}

/** Options of {@link listQuery}. */
export interface ListQueryOptions {
  /** The order when the URL has none; sorting back to it leaves `order` out of the URL. */
  defaultOrder?: string;
  /** The order the table shows as sorted while `order` is empty (the server's own order). */
  shownOrder?: string;
  /** Whether a column sorts descending on its first click. */
  descendingFirst: (key: string) => boolean;
}

/** A list's query in the URL: the filter (`q`), the server's `order_by` (`order`), and how to change them. */
export interface ListQuery {
  filter: string;
  order: string;
  sort: ListSort;
  /** Navigates to the URL with these query parameters changed (`null` removes one). */
  update: (changes: Record<string, string | null>) => void;
  /** Sorts by a column: the other direction when it is the sorted one. */
  onSort: (key: string) => void;
}

/** `timestamp_ms DESC` as a key and direction (ascending unless told). */
export function parseOrder(order: string): ListSort {
  const [key = '', direction = 'ASC'] = order.trim().split(/\s+/);
  return { key, descending: direction.toUpperCase() === 'DESC' };
}

/** The filter and order of a searchable, sortable list (runs of traces, logged models) from its URL. */
export function listQuery(location: Location, options: ListQueryOptions): ListQuery {
  const defaultOrder = options.defaultOrder ?? '';
  const filter = location.query.get('q') ?? '';
  const order = location.query.get('order') ?? defaultOrder;
  const sort = parseOrder(order || (options.shownOrder ?? defaultOrder));
  const update = (changes: Record<string, string | null>) => navigate(hrefWith(location, changes));
  const onSort = (key: string) => {
    const descending = sort.key === key ? !sort.descending : options.descendingFirst(key);
    const next = `${key} ${descending ? 'DESC' : 'ASC'}`;
    update({ order: next === defaultOrder ? null : next });
  };
  return { filter, order, sort, update, onSort };
}
