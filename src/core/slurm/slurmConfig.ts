/**
 * Slurm options from three places, later ones winning: the built-in defaults, a JSON config file
 * of defaults (`--slurm-config FILE`, else $ATTENTION_LAB_SLURM_CONFIG, else
 * ./attention-lab.slurm.json, else ~/.config/attention-lab/slurm.json), and the command line (or
 * the extension's `attentionLab.slurm` setting). Every value is checked; a bad one is a one-line
 * error naming its JSON path. Plain data and fs: the extension host uses it too.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SLURM_OPTIONS, type SlurmOptions } from '../../protocol/slurm';

export class SlurmConfigError extends Error {}

const KEYS = Object.keys(DEFAULT_SLURM_OPTIONS) as (keyof SlurmOptions)[];

/** Slurm's time formats: minutes, m:s, h:m:s, d-h, d-h:m, d-h:m:s; or UNLIMITED / INFINITE. */
export const SLURM_TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i;
const SLURM_MEM = /^\d+[KMGT]?$/i;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.,+-]*$/;

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}

/**
 * Checks a partial options object (a config file's, a setting's): every key known, every value
 * of its type. Returns the options, or throws a SlurmConfigError naming the JSON path under `at`.
 */
export function checkSlurmOptions(raw: unknown, at = '$'): Partial<SlurmOptions> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SlurmConfigError(`${at}: expected an object of Slurm options, found ${describe(raw)}`);
  const out: Partial<SlurmOptions> = {};
  for (const [key, v] of Object.entries(raw)) {
    const p = `${at}.${key}`;
    if (!(KEYS as string[]).includes(key)) throw new SlurmConfigError(`${p}: unknown Slurm option (known: ${KEYS.join(', ')})`);
    const k = key as keyof SlurmOptions;
    const nullableString = (re: RegExp, what: string): string | null => {
      if (v === null) return null;
      if (typeof v !== 'string' || !re.test(v.trim())) throw new SlurmConfigError(`${p}: expected ${what}, found ${describe(v)}`);
      return v.trim();
    };
    switch (k) {
      case 'partition':
      case 'account':
      case 'qos':
        out[k] = nullableString(NAME, `a ${k} name`);
        break;
      case 'time':
        out.time = nullableString(SLURM_TIME, 'a Slurm time limit such as "30", "2:00:00" or "1-12:00"');
        break;
      case 'mem':
        out.mem = nullableString(SLURM_MEM, 'a memory size such as "2G" or "500M"');
        break;
      case 'node':
        out.node = nullableString(/^\S.*$/, 'the path of a Node.js executable');
        break;
      case 'cpusPerTask':
        if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 4096) throw new SlurmConfigError(`${p}: expected an integer from 1 to 4096, found ${describe(v)}`);
        out.cpusPerTask = v as number;
        break;
      case 'maxParallel':
        if (v !== null && (!Number.isInteger(v) || (v as number) < 1)) throw new SlurmConfigError(`${p}: expected a positive integer or null, found ${describe(v)}`);
        out.maxParallel = v as number | null;
        break;
      case 'pollSeconds':
        if (typeof v !== 'number' || !(v >= 0.1 && v <= 600)) throw new SlurmConfigError(`${p}: expected seconds from 0.1 to 600, found ${describe(v)}`);
        out.pollSeconds = v;
        break;
      case 'sbatchArgs':
        if (!Array.isArray(v)) throw new SlurmConfigError(`${p}: expected a list of sbatch arguments, found ${describe(v)}`);
        v.forEach((a, i) => {
          if (typeof a !== 'string' || !a.startsWith('-')) throw new SlurmConfigError(`${p}[${i}]: expected an sbatch option such as "--constraint=avx2", found ${describe(a)}`);
          if (/^--?(array|output|error|open-mode|parsable|wrap|a|o|e)(=|$)/.test(a)) throw new SlurmConfigError(`${p}[${i}]: ${a.split('=')[0]} is set by Attention Lab (one task per run, logs in the experiment folder)`);
        });
        out.sbatchArgs = [...(v as string[])];
        break;
      case 'setup':
        if (!Array.isArray(v)) throw new SlurmConfigError(`${p}: expected a list of shell lines, found ${describe(v)}`);
        v.forEach((a, i) => {
          if (typeof a !== 'string' || /[\n\r]/.test(a)) throw new SlurmConfigError(`${p}[${i}]: expected one shell line, found ${describe(a)}`);
        });
        out.setup = [...(v as string[])];
        break;
    }
  }
  return out;
}

/** The config file to read: the given one, else the first that exists of the usual places, else null. */
export function slurmConfigFile(explicit: string | undefined, cwd = process.cwd(), env = process.env): string | null {
  if (explicit !== undefined) return path.resolve(cwd, explicit);
  if (env.ATTENTION_LAB_SLURM_CONFIG) return path.resolve(cwd, env.ATTENTION_LAB_SLURM_CONFIG);
  const local = path.join(cwd, 'attention-lab.slurm.json');
  if (fs.existsSync(local)) return local;
  const home = path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'attention-lab', 'slurm.json');
  return fs.existsSync(home) ? home : null;
}

/** Reads and checks a config file; errors name the file and the JSON path. */
export function readSlurmConfig(file: string): Partial<SlurmOptions> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SlurmConfigError(`${file}: ${code === 'ENOENT' ? 'no such Slurm config file' : (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SlurmConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return checkSlurmOptions(raw);
  } catch (err) {
    throw new SlurmConfigError(`${file}: ${(err as Error).message}`);
  }
}

/** Defaults, then each layer in order (undefined keys leave the value below). */
export function mergeSlurmOptions(...layers: Partial<SlurmOptions>[]): SlurmOptions {
  const out: SlurmOptions = { ...DEFAULT_SLURM_OPTIONS, sbatchArgs: [], setup: [] };
  for (const layer of layers) {
    for (const key of KEYS) {
      const v = layer[key];
      if (v !== undefined) (out as unknown as Record<string, unknown>)[key] = Array.isArray(v) ? [...(v as string[])] : v;
    }
  }
  return out;
}
