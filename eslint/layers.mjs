// The layers of docs/architecture.md as one lint rule: which folder may import which. An import
// is resolved against the importing file, so `../backend/x` from src/extension/commands (the
// extension's own backend folder) and from src/cli (the training process) are told apart.
// Package imports (@tensorflow/*, vscode) are ruled by `no-restricted-imports` in eslint.config.mjs.
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Each layer (a folder of the repository) with the layers it may import besides itself. A file
 * in no listed layer (tests, bench, scripts) may import anything.
 */
export const LAYERS = {
  'src/protocol': [],
  'src/core': ['src/protocol'],
  'src/engine': ['src/protocol', 'src/core'],
  'src/cli': ['src/protocol', 'src/core', 'src/engine'],
  'src/backend': ['src/protocol', 'src/core', 'src/engine'],
  'src/extension': ['src/protocol', 'src/core'],
  webview: ['src/protocol', 'src/core'],
};

function layerOf(file) {
  const rel = relative(root, file).split(sep).join('/');
  return Object.keys(LAYERS).find((l) => rel === l || rel.startsWith(l + '/'));
}

function check(context, node, source) {
  if (typeof source !== 'string') return;
  const from = layerOf(context.filename);
  if (from === undefined) return;
  if (!source.startsWith('.')) return;
  const to = layerOf(resolve(dirname(context.filename), source));
  const uses = LAYERS[from];
  if (to === undefined || to === from || uses.includes(to)) return;
  context.report({ node, message: `${from} must not import ${to} (${source}); it may import ${uses.join(', ') || 'nothing outside itself'}` });
}

const layersRule = {
  meta: { type: 'problem', docs: { description: 'imports follow the layers of docs/architecture.md' }, schema: [] },
  create(context) {
    return {
      ImportDeclaration: (node) => check(context, node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(context, node, node.source.value),
      ExportAllDeclaration: (node) => check(context, node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(context, node, node.source.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') check(context, node, node.arguments[0].value);
      },
    };
  },
};

export default { rules: { imports: layersRule } };
