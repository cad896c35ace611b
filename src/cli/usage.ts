/**
 * The CLI's command-line conventions in one place: each subcommand's usage text (`attention-lab
 * <command> --help` prints it, exit 0), argument parsing that turns a mistyped flag or command
 * into a usage error with a "did you mean" (one line on stderr, exit 2), and the hint that ends
 * every usage error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usageError';

export const COMMAND_NAMES = ['run', 'resume', 'status', 'cancel', 'inspect', 'presets', 'analyze', 'report', 'trace'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The flags of `run` (and `resume`), shown by `run --help` and by the global help. */
export const RUN_FLAGS = `  --out <dir>         where experiments are written (default: ./runs)
  --backend <b>       auto | node | wasm | cpu (default: auto; node is checked before anything is written)
  --parallel <n>      runs at once (default: one per core)
  --steps <n>         override the number of training steps of every run
  --allow-large       skip the resource budget (runs per grid, parameters, memory per step)
  --json              print the outcome as JSON instead of a table`;

/** `run --on slurm` and its sbatch options. */
export const SLURM_HELP = `On a Slurm cluster (docs/scale-out.md): run … --on slurm [options]
  --on <where>        local (default) | slurm: one job array, one task per run
  --detach            submit and return at once (follow later with status, stop with cancel)
  --partition <p>  --time <t>  --cpus-per-task <n>  --mem <m>  --account <a>  --qos <q>
                      sbatch's options for every task (--parallel throttles the array)
  --sbatch-arg <arg>  one more sbatch argument (repeatable), e.g. --sbatch-arg=--constraint=avx2
  --slurm-config <f>  defaults from a JSON file (else $ATTENTION_LAB_SLURM_CONFIG,
                      ./attention-lab.slurm.json, ~/.config/attention-lab/slurm.json)`;

const RUN_OPTIONS = `Options:
${RUN_FLAGS}
  -h, --help          this help

${SLURM_HELP}`;

export const USAGE: Readonly<Record<CommandName, string>> = {
  run: `Usage:
  attention-lab run <spec.json> [options]      run an experiment spec file
  attention-lab run --preset <name> [options]  run a built-in preset (see: attention-lab presets)

Expands the spec's grid, trains the runs in parallel child processes with live progress on stderr,
and prints a summary table on stdout. Ctrl-C stops cleanly (checkpoints saved; exit 130).

${RUN_OPTIONS}
`,
  resume: `Usage:
  attention-lab resume <run-dir> [--backend b] [--allow-large] [--json]

Continues a cancelled or failed run from its newest valid checkpoint.

Options:
  --backend <b>       auto | node | wasm | cpu (default: auto)
  --allow-large       skip the resource budget
  --json              print the outcome as JSON
  -h, --help          this help
`,
  status: `Usage:
  attention-lab status <experiment-dir|run-dir> [--json]

Each run's status, step and owning process (or Slurm job and state); runs whose process is gone
are repaired first (running → failed, pending → cancelled).
`,
  cancel: `Usage:
  attention-lab cancel <experiment-dir>

Cancels an experiment's Slurm job array (scancel); the runs keep their checkpoints and can be
resumed. A local experiment stops with Ctrl-C in its terminal.
`,
  inspect: `Usage:
  attention-lab inspect <file.safetensors | model.safetensors.index.json> [--json]

The tensors of any safetensors file (or of a sharded checkpoint, by its index): dtype, shape,
size, min, max, mean, std, NaN/Inf/zero counts; dtypes it does not decode are listed as opaque.
`,
  presets: `Usage:
  attention-lab presets [--json]          list the built-in experiments
  attention-lab presets show <name>       print a preset's spec (JSON) to start your own from:
                                          attention-lab presets show quick > mine.attention-lab.json
`,
  analyze: `Usage:
  attention-lab analyze <run-dir|checkpoint.safetensors> [--out FILE] [--seed N] [--sigmas 0,0.5,1] [--backend b] [--json]

Writes analysis.json (attention entropy across lengths, patterns, length generalization,
randomized seeds) for a run's newest checkpoint or for any checkpoint file.

Options:
  --sigmas <list>     the softmax-noise probe's σ grid, comma-separated numbers ≥ 0
                      (N(0, σ²) noise on every layer's attention logits; docs/science.md §6)
`,
  report: `Usage:
  attention-lab report <experiment-dir> [--json] [--html FILE]

Writes summary.json and prints the headline comparison as Markdown; --html also writes a
self-contained HTML report drawn with the dashboard's charts.
`,
  trace: `Usage:
  attention-lab trace --optimizer <adamw|lion|tiger|sgd> --function <rosenbrock|beale|quadratic|himmelblau|saddle>
                      [--steps N] [--lr X] [--weight-decay X] [--beta1 X] [--beta2 X] [--beta X]
                      [--eps X] [--momentum X] [--x0 X --y0 Y] [--backend cpu|wasm] [--json]

Runs a real optimizer on a 2-D test function and prints its path (--json: every point).
`,
};

/** Edit distance (insert, delete, substitute, swap of neighbours), for suggestions. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The closest candidate within a third of its length in edits (at least 1, at most 3), or a unique prefix match. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const prefixed = candidates.filter((c) => c.startsWith(word) || word.startsWith(c));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  return best !== undefined && bestD <= Math.min(3, Math.max(1, Math.floor(best.length / 3))) ? best : undefined;
}

/** `-h` or `--help` anywhere before a `--`. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '-h' || a === '--help') return true;
  }
  return false;
}

/** The hint every usage error ends with. */
export function helpHint(command?: CommandName): string {
  return command ? `see: attention-lab ${command} --help` : 'see: attention-lab --help';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs for a subcommand, strict, with the conventions: a mistyped flag is a UsageError
 * naming it and the closest known flag; a flag missing its value, or a value given to a switch,
 * says so. `-h`/`--help` is handled by the caller (wantsHelp) before parsing.
 */
export function parseCommandArgs<O extends Options>(command: CommandName, args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw err;
    const known = Object.keys(options).map((k) => `--${k}`);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec((err as Error).message)?.[1] ?? '';
      const bare = flag.split('=')[0] ?? flag;
      const guess = bare.startsWith('-') ? closest(bare.startsWith('--') ? bare : `-${bare}`, known) : undefined;
      throw new UsageError(`${command}: unknown option '${bare}'${guess ? `; did you mean ${guess}?` : `; options: ${known.join(', ')}`} (${helpHint(command)})`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`${command}: takes no positional argument (${helpHint(command)})`);
    const first = ((err as Error).message.split('\n')[0] ?? '').replace(/^Option '/, "option '");
    throw new UsageError(`${command}: ${first} (${helpHint(command)})`);
  }
}
