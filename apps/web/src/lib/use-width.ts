import { type RefObject, useEffect, useState } from 'react';

/**
 * The element's width in whole pixels, at least `min` (`fallback` where layout reports none, as in tests),
 * followed through a ResizeObserver where there is one; 0 until the element is measured.
 */
export function useElementWidth(ref: RefObject<HTMLElement | null>, min: number, fallback: number): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(min, Math.floor(el.clientWidth || fallback)));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref, min, fallback]);
  return width;
}
