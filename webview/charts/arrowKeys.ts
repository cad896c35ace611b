import type { Selection } from 'd3';

/**
 * Makes a chart keyboard-reachable: focusable, labelled, ← and → move an item cursor (showing
 * its tooltip), Escape and blur hide it. `current()` is the cursor, −1 before the first move.
 */
export function attachArrowKeys(
  svg: Selection<SVGSVGElement, unknown, null, undefined>,
  label: string,
  cursor: { current: () => number; show: (i: number) => void; hide: () => void },
): void {
  svg
    .attr('tabindex', 0)
    .attr('aria-label', label)
    .on('keydown', (ev: KeyboardEvent) => {
      const cur = cursor.current();
      if (ev.key === 'ArrowRight') cursor.show(cur + 1);
      else if (ev.key === 'ArrowLeft') cursor.show(cur < 0 ? 0 : cur - 1);
      else if (ev.key === 'Escape') cursor.hide();
      else return;
      ev.preventDefault();
    })
    .on('blur', cursor.hide);
}
