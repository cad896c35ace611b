/** A tiny element builder (no innerHTML anywhere: text is always text) and the controls, from webview/ui. */
import * as ui from '../ui/toolkit';
import { registerToolkit } from '../ui/toolkit';

export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export function clear(node: Element): void {
  while (node.firstChild) node.firstChild.remove();
}

/** A labelled toolkit dropdown (keyboard-reachable); `onChange` gets the chosen value. */
export function select(label: string, options: { value: string; label: string }[], value: string, onChange: (v: string) => void): HTMLLabelElement {
  registerToolkit();
  return el('label', { class: 'al-control' }, el('span', {}, label), ui.dropdown(options, value, onChange, label));
}

export function checkbox(label: string, checked: boolean, onChange: (v: boolean) => void): HTMLElement {
  registerToolkit();
  return ui.checkbox(label, checked, onChange);
}

export function button(label: string, onClick: () => void, attrs: { secondary?: boolean } = {}): HTMLElement {
  registerToolkit();
  return ui.button(label, onClick, { appearance: attrs.secondary ? 'secondary' : 'primary' });
}

/** The smoothing slider (0 = raw … 0.99), as TensorBoard's. */
export function slider(label: string, min: number, max: number, step: number, value: number, onInput: (v: number) => void): HTMLLabelElement {
  return ui.slider(label, min, max, step, value, onInput);
}

/** Reads the JSON the host wrote into `<script type="application/json" id=…>`. */
export function readJsonScript<T>(id: string): T | null {
  const node = document.getElementById(id);
  if (!node?.textContent) return null;
  return JSON.parse(node.textContent) as T;
}

/**
 * A labelled text field (the toolkit's, its label shown above it like the other controls' and
 * used as its accessible name): `onChange` gets the text when the user stops typing (after
 * `delayMs`) or presses Enter.
 */
export function textInput(label: string, value: string, placeholder: string, onChange: (v: string) => void, delayMs = 400): HTMLElement {
  registerToolkit();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = value;
  const fire = (v: string): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (v === last) return;
    last = v;
    onChange(v);
  };
  const field = ui.textField(
    label,
    value,
    (v) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => fire(v), delayMs);
    },
    placeholder,
  );
  field.classList.add('al-text-field');
  field.addEventListener('keydown', (ev) => {
    if ((ev as KeyboardEvent).key === 'Enter') fire(field.value);
  });
  return field;
}
