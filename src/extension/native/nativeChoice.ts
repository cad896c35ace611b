/**
 * Where the backend process finds @tensorflow/tfjs-node, and when to offer setting it up. Pure
 * functions of the settings, the workspace trust and the files on disk; no vscode import.
 *
 * Order: `attentionLab.nativeModulesPath` (the user's own checkout) wins; else the setup in the
 * extension's global storage (`<globalStorage>/native`, written by "Set Up Native Backend"),
 * started with the Node that set it up unless `attentionLab.nodePath` names another; else none
 * (the backend's `auto` then resolves tfjs-node from the extension's own folder, or uses wasm).
 * An untrusted workspace gets none of this.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readManifest, type NativeManifest } from '../../core/native/nativeManifest';
import { nativePlatformSupport } from '../../core/native/nativeSetup';
import type { Settings } from '../settings';

/** The folder the setup command installs into. */
export function managedNativeDir(globalStorage: string): string {
  return path.join(globalStorage, 'native');
}

export interface NativeChoice {
  /** Node executable for the backend process; undefined = the extension host's runtime. */
  nodePath: string | undefined;
  /** Folder whose node_modules holds tfjs-node; undefined = none. */
  nativeModulesPath: string | undefined;
  /** Which one applies, for the log. */
  source: 'untrusted' | 'setting' | 'managed' | 'none';
  /** The managed setup's manifest when it is in use. */
  manifest?: NativeManifest;
  /** Why the managed setup is not used (when it is not), for the log. */
  reason: string;
}

export function chooseNative(s: Settings, trusted: boolean, globalStorage: string): NativeChoice {
  if (!trusted) return { nodePath: undefined, nativeModulesPath: undefined, source: 'untrusted', reason: 'untrusted workspace: wasm only' };
  if (s.nativeModulesPath) return { nodePath: s.nodePath || undefined, nativeModulesPath: s.nativeModulesPath, source: 'setting', reason: 'attentionLab.nativeModulesPath is set' };
  const dir = managedNativeDir(globalStorage);
  const state = readManifest(dir);
  if (state.ok) {
    return { nodePath: s.nodePath || state.manifest.node, nativeModulesPath: dir, source: 'managed', manifest: state.manifest, reason: `set up in ${dir}` };
  }
  return { nodePath: s.nodePath || undefined, nativeModulesPath: undefined, source: 'none', reason: state.reason };
}

/** Does the extension's own installation carry tfjs-node (a development checkout after `npm run setup:native`)? */
export function bundledNative(extensionPath: string): boolean {
  return fs.existsSync(path.join(extensionPath, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'));
}

/**
 * Whether a run about to start should come with the one-time offer to set up the native
 * backend: it would train on wasm (backend `auto`, trusted, nothing native in reach), the
 * platform has a native library, and the offer was never shown.
 */
export function shouldOfferNative(o: { settings: Settings; trusted: boolean; choice: NativeChoice; bundled: boolean; alreadyOffered: boolean; platform?: string; arch?: string }): boolean {
  if (o.alreadyOffered || !o.trusted || o.settings.backend !== 'auto') return false;
  if (o.choice.source !== 'none' || o.bundled) return false;
  const support = nativePlatformSupport(o.platform, o.arch);
  return support.download || support.pythonIndex;
}
