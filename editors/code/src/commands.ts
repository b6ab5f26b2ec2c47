// Palette commands. Every call into the server's workspace/executeCommand lives in this
// file (`callServer` and the argument/result types below), so the argument shapes can be
// adjusted in one place while the server side settles.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, WorkspaceEdit as LspWorkspaceEdit } from 'vscode-languageclient/node';

import { isParamsDocument, PARAMS_PATTERN, SECTION } from './config';

// --- server commands and their (provisional) shapes ----------------------------------

const SERVER = {
  previewExperiment: 'cml.previewExperiment',
  runExperiment: 'cml.runExperiment',
  generateWorkflow: 'cml.generateWorkflow',
} as const;

/** One changed param; the server may use `old`/`new` or `before`/`after`. */
interface ParamChange {
  key?: string;
  path?: string;
  old?: unknown;
  new?: unknown;
  before?: unknown;
  after?: unknown;
}

interface ExperimentPreview {
  changes?: ParamChange[];
  params?: ParamChange[];
  /** A unified diff or markdown, when the server sends text instead of a list. */
  diff?: string;
  markdown?: string;
  branch?: string;
  message?: string;
  base?: string;
  remote?: string;
}

interface RunExperimentArgs {
  uri: string;
  branch: string;
  /** Commit message; its first line is also sent as the pull request `title`. */
  message: string;
  title: string;
  /** Base branch of the pull request; `openPr: false` only pushes the branch. */
  base?: string;
  openPr: boolean;
}

interface RunExperimentResult {
  branch?: string;
  commit?: string;
  remote?: string;
  url?: string;
  prUrl?: string;
  pr?: { url?: string; html_url?: string } | string;
}

interface GenerateWorkflowArgs {
  /** The workspace folder; sent as both `uri` and `root`. */
  uri: string;
  root: string;
  forge: string;
  cloud: string;
  region?: string;
  type?: string;
  gpu?: string;
  spot: boolean;
  hddSize: number;
  reuse: 'reuse' | 'reuse-idle' | 'none';
  labels: string;
}

interface GenerateWorkflowResult {
  /** LSP WorkspaceEdit creating or changing the workflow file. */
  edit?: LspWorkspaceEdit;
  uri?: string;
  path?: string;
  text?: string;
}

async function callServer<T>(client: LanguageClient, command: string, args: object): Promise<T> {
  return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] }) as Promise<T>;
}

// --- helpers -----------------------------------------------------------------------------

export interface CommandContext {
  restart: () => Promise<void>;
  showLog: () => void;
  client: () => LanguageClient | undefined;
}

function runningClient(ctx: CommandContext): LanguageClient | undefined {
  const c = ctx.client();
  if (!c || !c.isRunning()) {
    void vscode.window
      .showErrorMessage('cml-lsp: the language server is not running.', 'Restart Server', 'Show Log')
      .then((pick) => {
        if (pick === 'Restart Server') {
          void ctx.restart();
        } else if (pick === 'Show Log') {
          ctx.showLog();
        }
      });
    return undefined;
  }
  return c;
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    return e.message;
  }
  return String(e);
}

function showError(ctx: CommandContext, what: string, e: unknown): void {
  void vscode.window.showErrorMessage(`cml-lsp: ${what}: ${errorText(e)}`, 'Show Log').then((pick) => {
    if (pick === 'Show Log') {
      ctx.showLog();
    }
  });
}

function show(value: unknown): string {
  if (value === undefined) {
    return '(none)';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function pickParamsFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && isParamsDocument(active)) {
    return active.uri;
  }
  const found = await vscode.workspace.findFiles(PARAMS_PATTERN, '**/node_modules/**', 50);
  if (found.length === 1) {
    return found[0];
  }
  if (found.length === 0) {
    void vscode.window.showWarningMessage('cml-lsp: open a params file (e.g. params.yaml) to run an experiment.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Run Experiment: which params file?' },
  );
  return pick?.uri;
}

// --- CML: Run Experiment… ------------------------------------------------------------

const STEPS = 4;

async function runExperiment(ctx: CommandContext): Promise<void> {
  const client = runningClient(ctx);
  if (!client) {
    return;
  }
  const uri = await pickParamsFile();
  if (!uri) {
    return;
  }
  const uriText = client.code2ProtocolConverter.asUri(uri);

  let preview: ExperimentPreview;
  try {
    preview = (await callServer<ExperimentPreview | null>(client, SERVER.previewExperiment, { uri: uriText })) ?? {};
  } catch (e) {
    showError(ctx, 'could not preview the experiment', e);
    return;
  }

  // Step 1: the params diff.
  const changes = preview.changes ?? preview.params ?? [];
  const items: vscode.QuickPickItem[] = changes.map((c) => ({
    label: `$(diff-modified) ${c.key ?? c.path ?? '?'}`,
    description: `${show(c.old ?? c.before)} → ${show(c.new ?? c.after)}`,
  }));
  const text = preview.diff ?? preview.markdown;
  if (items.length === 0 && text) {
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      items.push({ label: line });
    }
  }
  if (items.length === 0) {
    void vscode.window.showWarningMessage(
      `cml-lsp: ${vscode.workspace.asRelativePath(uri)} has no changed params; edit some values first.`,
    );
    return;
  }
  const accepted = await vscode.window.showQuickPick(items, {
    title: `Run Experiment (1/${STEPS}): changed params — Enter to continue, Esc to cancel`,
    placeHolder: `${items.length} change(s) in ${vscode.workspace.asRelativePath(uri)}`,
    ignoreFocusOut: true,
  });
  if (!accepted) {
    return;
  }

  // Step 2: branch name.
  const prefix = vscode.workspace.getConfiguration(SECTION).get<string | null>('experiment.branchPrefix') ?? 'exp/';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  const branch = await vscode.window.showInputBox({
    title: `Run Experiment (2/${STEPS}): branch name`,
    value: preview.branch ?? `${prefix}${stamp}`,
    ignoreFocusOut: true,
    validateInput: (v) =>
      v.trim() === ''
        ? 'A branch name is required'
        : /[\s~^:?*[\\]|\.\.|@\{|\.lock$|\/$/.test(v)
          ? 'Not a valid git branch name'
          : undefined,
  });
  if (!branch) {
    return;
  }

  // Step 3: commit message.
  const defaultMessage =
    preview.message ??
    `Experiment: ${changes
      .map((c) => `${c.key ?? c.path}=${show(c.new ?? c.after)}`)
      .join(', ')
      .slice(0, 200)}`;
  const message = await vscode.window.showInputBox({
    title: `Run Experiment (3/${STEPS}): commit message`,
    value: defaultMessage,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'A commit message is required' : undefined),
  });
  if (!message) {
    return;
  }

  // Step 4: pull request into which base branch, or push only.
  const base = preview.base ?? 'main';
  const prompt = await vscode.window.showQuickPick(
    [
      { label: `$(git-pull-request) Open a pull request into ${base}`, action: 'pr' as const },
      { label: '$(git-pull-request) Open a pull request into another branch…', action: 'other' as const },
      { label: '$(cloud-upload) Push the branch only', action: 'push' as const },
    ],
    { title: `Run Experiment (4/${STEPS}): pull request`, ignoreFocusOut: true },
  );
  if (!prompt) {
    return;
  }
  let baseBranch: string | undefined = base;
  if (prompt.action === 'other') {
    baseBranch = await vscode.window.showInputBox({
      title: `Run Experiment (4/${STEPS}): base branch of the pull request`,
      value: base,
      ignoreFocusOut: true,
    });
    if (!baseBranch) {
      return;
    }
  }
  const args: RunExperimentArgs = {
    uri: uriText,
    branch: branch.trim(),
    message,
    title: message.split('\n')[0],
    base: prompt.action === 'push' ? undefined : baseBranch,
    openPr: prompt.action !== 'push',
  };

  let result: RunExperimentResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CML: pushing experiment branch ${args.branch}…` },
      async () => (await callServer<RunExperimentResult | null>(client, SERVER.runExperiment, args)) ?? {},
    );
  } catch (e) {
    showError(ctx, 'the experiment failed', e);
    return;
  }
  const pr = result.pr;
  const url = result.prUrl ?? result.url ?? (typeof pr === 'string' ? pr : (pr?.html_url ?? pr?.url));
  const pushed = `Experiment pushed to branch ${result.branch ?? args.branch}`;
  if (url) {
    const pick = await vscode.window.showInformationMessage(`${pushed}. Pull request: ${url}`, 'Open PR');
    if (pick === 'Open PR') {
      await vscode.env.openExternal(vscode.Uri.parse(url));
    }
  } else {
    void vscode.window.showInformationMessage(`${pushed}.`);
  }
}

// --- CML: Generate Workflow… ----------------------------------------------------------

interface Choice<T> extends vscode.QuickPickItem {
  value: T;
}

async function choose<T>(title: string, choices: Choice<T>[]): Promise<T | undefined> {
  const pick = await vscode.window.showQuickPick(choices, { title, ignoreFocusOut: true });
  return pick?.value;
}

async function askText(title: string, value: string, validate?: (v: string) => string | undefined) {
  return vscode.window.showInputBox({ title, value, ignoreFocusOut: true, validateInput: validate });
}

const OTHER = '\u0000other';

async function chooseOrType(title: string, choices: Choice<string>[], prompt: string): Promise<string | undefined> {
  const v = await choose(title, [...choices, { label: 'Other…', description: prompt, value: OTHER }]);
  if (v !== OTHER) {
    return v;
  }
  return askText(`${title}: ${prompt}`, '', (s) => (s.trim() === '' ? 'A value is required' : undefined));
}

function guessForge(root: string): string {
  if (fs.existsSync(path.join(root, '.gitlab-ci.yml'))) {
    return 'gitlab';
  }
  if (fs.existsSync(path.join(root, 'bitbucket-pipelines.yml'))) {
    return 'bitbucket';
  }
  return 'github';
}

async function generateWorkflow(ctx: CommandContext): Promise<void> {
  const client = runningClient(ctx);
  if (!client) {
    return;
  }
  const folder =
    (vscode.window.activeTextEditor && vscode.workspace.getWorkspaceFolder(vscode.window.activeTextEditor.document.uri)) ??
    vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('cml-lsp: open a folder to generate a workflow into.');
    return;
  }
  const n = 9;
  const t = (i: number, what: string) => `Generate Workflow (${i}/${n}): ${what}`;

  const guessed = guessForge(folder.uri.fsPath);
  const forges: Choice<string>[] = [
    { label: 'GitHub Actions', description: '.github/workflows/cml.yaml', value: 'github' },
    { label: 'GitLab CI', description: '.gitlab-ci.yml', value: 'gitlab' },
    { label: 'Bitbucket Pipelines', description: 'bitbucket-pipelines.yml', value: 'bitbucket' },
  ].sort((a, b) => (a.value === guessed ? -1 : b.value === guessed ? 1 : 0));
  const forge = await choose(t(1, 'forge'), forges);
  if (!forge) {
    return;
  }
  const cloud = await choose(t(2, 'cloud'), [
    { label: 'aws', description: 'Amazon Web Services', value: 'aws' },
    { label: 'azure', description: 'Microsoft Azure', value: 'azure' },
    { label: 'gcp', description: 'Google Cloud', value: 'gcp' },
    { label: 'kubernetes', description: 'a Kubernetes cluster', value: 'kubernetes' },
  ]);
  if (!cloud) {
    return;
  }
  let region: string | undefined;
  if (cloud !== 'kubernetes') {
    region = await chooseOrType(
      t(3, 'region'),
      ['us-east', 'us-west', 'eu-west', 'eu-north'].map((r) => ({ label: r, description: 'CML generic region', value: r })),
      `a native ${cloud} region`,
    );
    if (!region) {
      return;
    }
  }
  const type = await chooseOrType(
    t(4, 'machine type'),
    [
      { label: 'm', description: 'CML generic: medium', value: 'm' },
      { label: 'l', description: 'CML generic: large', value: 'l' },
      { label: 'xl', description: 'CML generic: extra large', value: 'xl' },
    ],
    `a native ${cloud} instance type`,
  );
  if (!type) {
    return;
  }
  // As in the Studio wizard: a GPU is chosen for CML's generic types and on GCP.
  let gpu: string | undefined;
  if (['m', 'l', 'xl'].includes(type) || cloud === 'gcp') {
    gpu = await chooseOrType(
      t(5, 'GPU'),
      [
        { label: 'none', description: 'CPU only', value: 'none' },
        { label: 'k80', value: 'k80' },
        { label: 'v100', value: 'v100' },
        { label: 'tesla', value: 'tesla' },
      ],
      'a native GPU name',
    );
    if (!gpu) {
      return;
    }
  }
  const spot = await choose(t(6, 'spot instance'), [
    { label: 'No', description: 'on-demand instance', value: false },
    { label: 'Yes', description: '--cloud-spot: cheaper, may be preempted', value: true },
  ]);
  if (spot === undefined) {
    return;
  }
  const hdd = await askText(t(7, 'disk size in GB (--cloud-hdd-size)'), '100', (v) =>
    /^[1-9][0-9]*$/.test(v.trim()) ? undefined : 'A whole number of GB',
  );
  if (!hdd) {
    return;
  }
  const reuse = await choose<'reuse' | 'reuse-idle' | 'none'>(t(8, 'reuse runners'), [
    { label: 'reuse-idle', description: 'reuse a matching idle runner, else launch one', value: 'reuse-idle' },
    { label: 'reuse', description: 'launch nothing if a matching runner exists', value: 'reuse' },
    { label: 'none', description: 'always launch a new runner', value: 'none' },
  ]);
  if (!reuse) {
    return;
  }
  const labels = await askText(t(9, 'runner labels (comma separated)'), forge === 'bitbucket' ? 'cml.runner' : 'cml', (v) =>
    v.trim() === '' ? 'At least one label' : undefined,
  );
  if (!labels) {
    return;
  }
  const folderUri = client.code2ProtocolConverter.asUri(folder.uri);
  const args: GenerateWorkflowArgs = {
    uri: folderUri,
    root: folderUri,
    forge,
    cloud,
    region,
    type,
    gpu: gpu === 'none' ? undefined : gpu,
    spot,
    hddSize: Number(hdd.trim()),
    reuse,
    labels: labels.trim(),
  };
  let result: GenerateWorkflowResult | string | null;
  try {
    result = await callServer<GenerateWorkflowResult | string | null>(client, SERVER.generateWorkflow, args);
  } catch (e) {
    showError(ctx, 'could not generate the workflow', e);
    return;
  }
  await openGenerated(client, result);
}

async function openGenerated(client: LanguageClient, result: GenerateWorkflowResult | string | null): Promise<void> {
  if (result === null || result === undefined) {
    // The server applied the edit itself (workspace/applyEdit); nothing left to do.
    return;
  }
  const r: GenerateWorkflowResult = typeof result === 'string' ? { text: result } : result;
  let target = r.uri ? client.protocol2CodeConverter.asUri(r.uri) : r.path ? vscode.Uri.file(r.path) : undefined;
  if (r.edit) {
    const edit = await client.protocol2CodeConverter.asWorkspaceEdit(r.edit);
    if (!edit || !(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage('cml-lsp: the workflow edit could not be applied.');
      return;
    }
    target = target ?? edit.entries()[0]?.[0];
  } else if (r.text !== undefined) {
    if (target && !fs.existsSync(target.fsPath)) {
      const edit = new vscode.WorkspaceEdit();
      edit.createFile(target, { ignoreIfExists: false });
      edit.insert(target, new vscode.Position(0, 0), r.text);
      await vscode.workspace.applyEdit(edit);
    } else {
      const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: r.text });
      await vscode.window.showTextDocument(doc);
      if (target) {
        void vscode.window.showInformationMessage(
          `cml-lsp: ${vscode.workspace.asRelativePath(target)} exists; the generated workflow opened in a new tab.`,
        );
      }
      return;
    }
  }
  if (target) {
    await vscode.window.showTextDocument(target);
  }
}

// --- registration ------------------------------------------------------------------------

export function registerCommands(context: vscode.ExtensionContext, ctx: CommandContext): void {
  const reg = (id: string, fn: () => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(`${SECTION}.${id}`, fn));
  reg('runExperiment', () => runExperiment(ctx));
  reg('generateWorkflow', () => generateWorkflow(ctx));
  reg('restartServer', () => ctx.restart());
  reg('showServerLog', () => ctx.showLog());
}
