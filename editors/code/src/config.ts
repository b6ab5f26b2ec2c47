// Which files the server gets, and the settings it sees.
import * as vscode from 'vscode';
import type { DocumentSelector } from 'vscode-languageclient/node';

export const SECTION = 'cml-lsp';

/** File kinds the server understands, matched by path so no language id is needed
 *  (the user's YAML extension keeps highlighting, schemas and formatting). */
export const BUILTIN_PATTERNS = [
  '**/.github/workflows/*.{yml,yaml}',
  '**/.gitlab-ci.{yml,yaml}',
  '**/bitbucket-pipelines.{yml,yaml}',
  '**/dvc.{yaml,yml}',
  '**/params.{yaml,yml,json,toml}',
  '**/action.{yml,yaml}',
];

export const PARAMS_PATTERN = '**/params.{yaml,yml,json,toml}';

/** Settings only the extension reads; the server never sees them. */
const CLIENT_ONLY = ['server', 'trace'];

/** Globs from the settings, made workspace-relative the way the server reads them. */
export function extraGlobs(): string[] {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const out: string[] = [];
  for (const key of ['githubGlobs', 'gitlabGlobs', 'paramsGlobs']) {
    for (const g of cfg.get<string[]>(key, [])) {
      if (typeof g === 'string' && g.trim() !== '') {
        out.push(g.startsWith('**/') || g.startsWith('/') ? g : `**/${g}`);
      }
    }
  }
  return out;
}

export function documentSelector(): DocumentSelector {
  return [...BUILTIN_PATTERNS, ...extraGlobs()].map((pattern) => ({ scheme: 'file', pattern }));
}

/** Whether a document is one the server handles (used to pick the active params file). */
export function isParamsDocument(doc: vscode.TextDocument): boolean {
  const extra = vscode.workspace.getConfiguration(SECTION).get<string[]>('paramsGlobs', []);
  const patterns = [PARAMS_PATTERN, ...extra.map((g) => (g.startsWith('**/') ? g : `**/${g}`))];
  return (
    doc.uri.scheme === 'file' &&
    patterns.some((pattern) => vscode.languages.match({ scheme: 'file', pattern }, doc) > 0)
  );
}

/** The `cml-lsp` settings as a plain object, without the client-only keys. */
export function serverSettings(scope?: vscode.Uri): Record<string, unknown> {
  const cfg = vscode.workspace.getConfiguration(SECTION, scope);
  // Round-trip through JSON: WorkspaceConfiguration has methods and proxies.
  const all = JSON.parse(JSON.stringify(cfg)) as Record<string, unknown>;
  for (const key of CLIENT_ONLY) {
    delete all[key];
  }
  return all;
}

export function serverExtraEnv(): Record<string, string> {
  const env = vscode.workspace.getConfiguration(SECTION).get<Record<string, unknown>>('server.extraEnv', {});
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v !== null && v !== undefined) {
      out[k] = String(v);
    }
  }
  return out;
}
