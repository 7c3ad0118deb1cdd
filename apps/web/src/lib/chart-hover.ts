import { useSyncExternalStore } from 'react';

// The run (or group) under the pointer, shared by every chart, legend and run list of the page. Charts
// follow it imperatively (uPlot's series focus), so hovering re-renders only what names the hovered run.
let hovered: string | null = null;
const listeners = new Set<() => void>();

/** The id of the hovered run or group (`null` when none). */
export function hoveredId(): string | null {
  return hovered;
}

/** Sets the hovered run or group; `null` clears it. */
export function setHovered(id: string | null): void {
  if (id === hovered) return;
  hovered = id;
  for (const listener of listeners) listener();
}

/** Calls `listener` whenever the hovered id changes; returns the unsubscribe. */
export function subscribeHover(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The hovered id in a component (re-renders when it changes). */
export function useHovered(): string | null {
  return useSyncExternalStore(subscribeHover, hoveredId, hoveredId);
}
