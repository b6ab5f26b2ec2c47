// Finding the cml-lsp binary: the `cml-lsp.server.path` setting, then the binary
// bundled in the extension (server/cml-lsp), then `cml-lsp` on PATH.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

const EXE = process.platform === 'win32' ? 'cml-lsp.exe' : 'cml-lsp';

export interface ResolvedServer {
  command: string;
  /** Where the binary came from, for the log and error messages. */
  source: 'setting' | 'bundled' | 'PATH';
}

export class ServerNotFound extends Error {
  constructor(message: string, readonly fromSetting: boolean) {
    super(message);
  }
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Expands `~` and `${workspaceFolder}` (the first folder) in a user-given path. */
export function expandPath(p: string): string {
  let out = p.trim();
  if (out === '~' || out.startsWith('~/')) {
    out = path.join(os.homedir(), out.slice(1));
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder) {
    out = out.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (!path.isAbsolute(out) && folder) {
    out = path.join(folder, out);
  }
  return out;
}

function onPath(name: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

export function resolveServer(context: vscode.ExtensionContext, env: NodeJS.ProcessEnv): ResolvedServer {
  const configured = vscode.workspace.getConfiguration('cml-lsp').get<string>('server.path', '');
  if (configured && configured.trim() !== '') {
    const p = expandPath(configured);
    if (isExecutable(p)) {
      return { command: p, source: 'setting' };
    }
    throw new ServerNotFound(
      `cml-lsp: the binary set in "cml-lsp.server.path" (${p}) does not exist or is not executable. ` +
        'Fix the path, or clear the setting to use the bundled binary or cml-lsp on PATH.',
      true,
    );
  }
  const bundled = context.asAbsolutePath(path.join('server', EXE));
  if (fs.existsSync(bundled) && !isExecutable(bundled)) {
    // Unpacking a .vsix may drop the executable bit.
    try {
      fs.chmodSync(bundled, 0o755);
    } catch {
      // fall through to PATH
    }
  }
  if (isExecutable(bundled)) {
    return { command: bundled, source: 'bundled' };
  }
  const found = onPath(EXE, env.PATH);
  if (found) {
    return { command: found, source: 'PATH' };
  }
  throw new ServerNotFound(
    'cml-lsp: no language server binary found (no "cml-lsp.server.path" setting, none bundled in ' +
      'the extension, no cml-lsp on PATH). Build it with `cargo install --path .` in the cml-lsp ' +
      'repository (or download a release) and put it on PATH, or set "cml-lsp.server.path".',
    false,
  );
}
