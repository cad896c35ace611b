/** Pointer position in an element's local coordinates. */
export function pointerIn(ev: PointerEvent | MouseEvent, el: Element): [number, number] {
  const r = el.getBoundingClientRect();
  return [ev.clientX - r.left, ev.clientY - r.top];
}
