/** The text of one token id; an id outside the vocabulary shows as `<?id>` instead of failing. */
export function tokenText(vocab: readonly string[], id: number): string {
  return Number.isInteger(id) && id >= 0 && id < vocab.length ? (vocab[id] as string) : `<?${id}>`;
}

/** Token ids as a bracketed, space-separated list, the CLRS-Text way: `[5 3 1]`. */
export function formatTokenList(vocab: readonly string[], ids: readonly number[]): string {
  return `[${ids.map((id) => tokenText(vocab, id)).join(' ')}]`;
}

/** Symbols `0` … `count − 1` as text, for tasks whose symbols are numbers. */
export function numberSymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i));
}
