import { type RefObject, useEffect, useRef, useState } from 'react';

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

/** The elements inside `root` that Tab reaches, in document order. */
function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)];
}

/**
 * Modal focus for an element rendered while a dialog is open: focus moves to its first field on mount,
 * Tab and Shift+Tab wrap around inside it, Escape calls `onEscape`, and on unmount focus goes back to
 * what had it before (the button that opened the dialog). Attach the returned ref to the dialog.
 */
export function useFocusTrap<T extends HTMLElement>(onEscape?: () => void): RefObject<T | null> {
  const ref = useRef<T | null>(null);
  // Read while rendering, before any child's autofocus can move focus into the dialog.
  const [opener] = useState(() => (typeof document === 'undefined' ? null : document.activeElement));
  const escapeRef = useRef(onEscape);
  useEffect(() => {
    escapeRef.current = onEscape;
  });

  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    focusables(root)[0]?.focus();
    // On the document, not the dialog, so a Tab or Escape pressed after a click on the backdrop (focus on
    // the body) still lands in the dialog.
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        escapeRef.current?.();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = focusables(root);
      const [first, last] = [items[0], items.at(-1)];
      if (!first || !last) return;
      const active = document.activeElement;
      const inside = active instanceof Node && root.contains(active);
      if (e.shiftKey && (!inside || active === first)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (!inside || active === last)) {
        e.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, [opener]);

  return ref;
}
