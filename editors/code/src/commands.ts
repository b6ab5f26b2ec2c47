// Palette commands and the code lens targets. Every call into the server's
// workspace/executeCommand goes through `callServer`, with the argument and result types
// of the server's `cml.previewExperiment`, `cml.runExperiment` and `cml.generateWorkflow`.
import * as vscode from 'vscode';
import {
  ExecuteCommandParams,
  ExecuteCommandRequest,
  LanguageClient,
  ResponseError,
  WorkDoneProgress,
} from 'vscode-languageclient/node';

import { isParamsDocument, PARAMS_PATTERN, SECTION } from './config';

// --- server commands and their shapes ----------------------------------------------------

export const SERVER = {
  previewExperiment: 'cml.previewExperiment',
  runExperiment: 'cml.runExperiment',
  generateWorkflow: 'cml.generateWorkflow',
} as const;

/** The extension's own commands the code lenses are routed to. */
export const CLIENT = {
  runExperiment: `${SECTION}.runExperiment`,
  previewExperiment: `${SECTION}.previewExperiment`,
  generateWorkflow: `${SECTION}.generateWorkflow`,
} as const;

/** One changed param (values are short display text). */
interface DiffEntry {
  file: string;
  key: string;
  old?: string | null;
  new?: string | null;
  change: 'added' | 'modified' | 'removed';
}

type ForgeKind = 'github' | 'gitlab' | 'bitbucket';

/** `cml.previewExperiment` result (snake_case). */
interface ExperimentPreview {
  base_branch: string;
  base_commit: string;
  branch: string;
  to_base: boolean;
  remote: string;
  remote_url: string;
  forge?: ForgeKind | null;
  forge_repo?: string | null;
  forge_note?: string | null;
  api_url?: string | null;
  pr_target?: string | null;
  token_found: boolean;
  title: string;
  message: string;
  pr_body: string;
  files: string[];
  diff: DiffEntry[];
  warnings: string[];
}

/** `cml.runExperiment` result (snake_case). */
interface ExperimentOutcome {
  branch: string;
  commit: string;
  base_branch: string;
  base_commit: string;
  remote: string;
  forge?: ForgeKind | null;
  url?: string | null;
  pr_created: boolean;
  pr_existed: boolean;
  pushed: boolean;
  diff: DiffEntry[];
  warnings: string[];
  summary: string;
}

/** Arguments of both experiment commands: `uri` plus the server's ExperimentRequest (camelCase).
 *  The server adds every open params buffer of the repository (unsaved text) itself. */
interface ExperimentArgs {
  uri: string;
  overrides?: string[];
  base?: string;
  branch?: string;
  title?: string;
  description?: string;
  toBase?: boolean;
  remote?: string;
  noPr?: boolean;
  reuseBranch?: boolean;
  forge?: string;
  apiUrl?: string;
  branchPrefix?: string;
}

/** `data` of the server's -32001 errors. */
interface ExperimentErrorData {
  kind?: string;
  message?: string;
  hint?: string | null;
  status?: number | null;
  pushed?: { branch: string; commit: string; remote: string; compareUrl?: string | null } | null;
}

type ReuseMode = 'none' | 'reuse' | 'reuse-idle' | 'single';
type Cloud = 'aws' | 'azure' | 'gcp' | 'kubernetes';

/** The server's WizardOptions (camelCase; unknown fields are rejected). */
interface WizardOptions {
  forge?: ForgeKind;
  cloud?: Cloud;
  region?: string;
  machineType?: string;
  gpu?: string;
  spot?: boolean;
  spotPrice?: number;
  hddSize?: number;
  reuse?: ReuseMode;
  idleTimeout?: string;
  labels?: string[];
  image?: string;
  script?: string;
  dvcPull?: boolean;
  on?: string[];
  deployJob?: string;
  trainJob?: string;
  name?: string;
}

interface GenerateArgs extends WizardOptions {
  /** Workspace folder URI (default: the server's first root). */
  root?: string;
  /** Create the file through workspace/applyEdit (default true). */
  apply?: boolean;
}

interface GenerateResult {
  path: string;
  uri: string;
  text: string;
  secrets: { name: string; description: string }[];
  labels: string[];
  warnings: string[];
  applied: boolean;
}

async function callServer<T>(
  client: LanguageClient,
  command: string,
  args: object,
  opts: { workDoneToken?: string; token?: vscode.CancellationToken } = {},
): Promise<T> {
  const params: ExecuteCommandParams = { command, arguments: [args] };
  if (opts.workDoneToken) {
    params.workDoneToken = opts.workDoneToken;
  }
  return (await client.sendRequest(ExecuteCommandRequest.type, params, opts.token)) as T;
}

// --- interactive runs: the server's own toast and browser tab are replaced by ours -------

/** While an interactive run is in flight, the server's info messages are held back (the
 *  run's summary is shown with an "Open" button instead) and its external showDocument
 *  (the pull request) is not opened without the user asking. */
export const interactive = {
  runs: 0,
  held: [] as string[],
};

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

function isCancelled(e: unknown): boolean {
  return e instanceof ResponseError && e.code === -32800;
}

function showError(ctx: CommandContext, what: string, e: unknown): void {
  void vscode.window.showErrorMessage(`cml-lsp: ${what}: ${errorText(e)}`, 'Show Log').then((pick) => {
    if (pick === 'Show Log') {
      ctx.showLog();
    }
  });
}

/** A run failed: its message, and when the branch got pushed anyway, where to open the PR. */
function showRunError(ctx: CommandContext, e: unknown): void {
  const data = e instanceof ResponseError ? (e.data as ExperimentErrorData | undefined) : undefined;
  const pushed = data?.pushed;
  if (!pushed) {
    showError(ctx, 'the experiment failed', e);
    return;
  }
  const url = pushed.compareUrl ?? undefined;
  const text =
    `cml-lsp: the experiment failed: ${errorText(e)} ` +
    `The branch ${pushed.branch} is on ${pushed.remote} (${pushed.commit.slice(0, 7)})` +
    (url ? `; open the pull request by hand: ${url}` : '.');
  const buttons = url ? ['Open', 'Show Log'] : ['Show Log'];
  void vscode.window.showErrorMessage(text, ...buttons).then((pick) => {
    if (pick === 'Open' && url) {
      void vscode.env.openExternal(vscode.Uri.parse(url));
    } else if (pick === 'Show Log') {
      ctx.showLog();
    }
  });
}

function forgeName(f: ForgeKind | null | undefined): string {
  switch (f) {
    case 'github':
      return 'GitHub';
    case 'gitlab':
      return 'GitLab';
    case 'bitbucket':
      return 'Bitbucket';
    default:
      return 'unknown forge';
  }
}

function tokenVar(f: ForgeKind | null | undefined): string {
  switch (f) {
    case 'gitlab':
      return 'GITLAB_TOKEN';
    case 'bitbucket':
      return 'BITBUCKET_TOKEN';
    default:
      return 'GITHUB_TOKEN';
  }
}

function changeText(d: DiffEntry): string {
  switch (d.change) {
    case 'added':
      return `(new) → ${d.new ?? ''}`;
    case 'removed':
      return `${d.old ?? ''} → (removed)`;
    default:
      return `${d.old ?? ''} → ${d.new ?? ''}`;
  }
}

function changeIcon(d: DiffEntry): string {
  return d.change === 'added' ? '$(diff-added)' : d.change === 'removed' ? '$(diff-removed)' : '$(diff-modified)';
}

/** The URI a command got: the lens passes `{uri}`, the explorer a vscode.Uri. */
function uriArgument(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) {
    return arg;
  }
  if (typeof arg === 'string') {
    return vscode.Uri.parse(arg);
  }
  if (arg && typeof arg === 'object' && typeof (arg as { uri?: unknown }).uri === 'string') {
    return vscode.Uri.parse((arg as { uri: string }).uri);
  }
  return undefined;
}

async function pickParamsFile(title: string): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && isParamsDocument(active)) {
    return active.uri;
  }
  const found = await vscode.workspace.findFiles(PARAMS_PATTERN, '**/node_modules/**', 50);
  if (found.length === 1) {
    return found[0];
  }
  if (found.length === 0) {
    void vscode.window.showWarningMessage(`cml-lsp: open a params file (e.g. params.yaml) first.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: `${title}: which params file?`, ignoreFocusOut: true },
  );
  return pick?.uri;
}

// --- preview as markdown (the "Preview experiment" lens, the step-1 button) ---------------

const PREVIEW_SCHEME = 'cml-lsp-preview';
const previewDocs = new Map<string, string>();
const previewChanged = new vscode.EventEmitter<vscode.Uri>();

function mdEscape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`);
}

function previewMarkdown(p: ExperimentPreview, paramsFile: string): string {
  const lines: string[] = [];
  lines.push(`# Experiment preview: ${mdEscape(paramsFile)}`, '');
  lines.push(`**${mdEscape(p.title)}**`, '');
  if (p.diff.length === 0) {
    lines.push('_No params changed._', '');
  } else {
    lines.push('| file | key | old | new |', '| --- | --- | --- | --- |');
    for (const d of p.diff) {
      const cell = (v: string | null | undefined, gone: boolean) => (gone ? '—' : `\`${(v ?? '').replace(/\|/g, '\\|')}\``);
      lines.push(
        `| ${mdEscape(d.file)} | \`${d.key}\` | ${cell(d.old, d.change === 'added')} | ${cell(d.new, d.change === 'removed')} |`,
      );
    }
    lines.push('');
  }
  lines.push(`- **Base:** \`${p.base_branch}\` at \`${p.base_commit.slice(0, 7)}\``);
  lines.push(
    p.to_base
      ? `- **Commit on:** \`${p.base_branch}\` (no pull request)`
      : `- **Branch:** \`${p.branch}\``,
  );
  lines.push(`- **Remote:** \`${p.remote}\` (${mdEscape(p.remote_url)})`);
  const forge = p.forge
    ? `${forgeName(p.forge)}${p.forge_repo ? ` \`${p.forge_repo}\`` : ''}${p.api_url ? ` via ${mdEscape(p.api_url)}` : ''}`
    : `unknown${p.forge_note ? `: ${mdEscape(p.forge_note)}` : ''}`;
  lines.push(`- **Forge:** ${forge}`);
  if (p.pr_target) {
    lines.push(
      `- **Pull request into:** \`${p.pr_target}\`` +
        (p.token_found
          ? ''
          : ` — no API token found (\`${tokenVar(p.forge)}\`): the pull request page will be opened for you to create it`),
    );
  }
  if (p.files.length > 0) {
    lines.push(`- **Files:** ${p.files.map((f) => `\`${f}\``).join(', ')}`);
  }
  if (p.warnings.length > 0) {
    lines.push('', '## Warnings', '', ...p.warnings.map((w) => `- ${mdEscape(w)}`));
  }
  lines.push('', '## Commit message', '', '```text', p.message, '```', '');
  return lines.join('\n');
}

async function showPreviewMarkdown(p: ExperimentPreview, paramsUri: vscode.Uri): Promise<void> {
  const rel = vscode.workspace.asRelativePath(paramsUri);
  const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${rel}.preview.md` });
  previewDocs.set(uri.toString(), previewMarkdown(p, rel));
  previewChanged.fire(uri);
  try {
    await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  } catch {
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}

async function preview(client: LanguageClient, uri: vscode.Uri, extra: Partial<ExperimentArgs> = {}) {
  const args: ExperimentArgs = { uri: client.code2ProtocolConverter.asUri(uri), ...extra };
  return callServer<ExperimentPreview>(client, SERVER.previewExperiment, args);
}

async function previewExperiment(ctx: CommandContext, arg: unknown): Promise<void> {
  const client = runningClient(ctx);
  if (!client) {
    return;
  }
  const uri = uriArgument(arg) ?? (await pickParamsFile('Preview Experiment'));
  if (!uri) {
    return;
  }
  try {
    await showPreviewMarkdown(await preview(client, uri), uri);
  } catch (e) {
    showError(ctx, 'could not preview the experiment', e);
  }
}

// --- CML: Run Experiment… ------------------------------------------------------------------

const STEPS = 5;
const stepTitle = (i: number, what: string) => `Run Experiment (${i}/${STEPS}): ${what}`;

interface InfoItem extends vscode.QuickPickItem {
  action?: 'continue' | 'markdown';
}

/** Step 1: the diff and where it goes. Resolves true to continue. */
async function reviewStep(p: ExperimentPreview, paramsUri: vscode.Uri): Promise<boolean> {
  const sep = (label: string): InfoItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const items: InfoItem[] = [
    {
      label: '$(check) Continue',
      description: `${p.diff.length} change(s) — Enter to continue, Esc to cancel`,
      action: 'continue',
    },
    sep(`changed params (${p.diff.length})`),
    ...p.diff.map((d) => ({
      label: `${changeIcon(d)} ${d.key}`,
      description: changeText(d),
      detail: d.file,
      action: 'continue' as const,
    })),
    sep('target'),
    {
      label: `$(git-branch) base ${p.base_branch}`,
      description: `at ${p.base_commit.slice(0, 7)}`,
      action: 'continue',
    },
    {
      label: `$(repo-push) remote ${p.remote}`,
      description: p.remote_url,
      action: 'continue',
    },
    {
      label: `$(globe) ${p.forge ? forgeName(p.forge) : 'forge unknown'}${p.forge_repo ? ` ${p.forge_repo}` : ''}`,
      description: p.forge ? (p.api_url ?? '') : (p.forge_note ?? 'no pull request can be opened'),
      action: 'continue',
    },
  ];
  if (p.pr_target && !p.token_found) {
    items.push({
      label: '$(key) no API token found',
      description: `set ${tokenVar(p.forge)} (cml-lsp.server.extraEnv): the pull request page will be opened for manual creation`,
      action: 'continue',
    });
  }
  if (p.warnings.length > 0) {
    items.push(sep('warnings'));
    items.push(...p.warnings.map((w) => ({ label: `$(warning) ${w}`, action: 'continue' as const })));
  }
  items.push(sep(''), { label: '$(open-preview) Open the full preview as Markdown', action: 'markdown' });

  return new Promise<boolean>((resolve) => {
    const qp = vscode.window.createQuickPick<InfoItem>();
    qp.title = stepTitle(1, `review ${p.diff.length} changed param(s) in ${vscode.workspace.asRelativePath(paramsUri)}`);
    qp.placeholder = `${p.title} — Enter to continue`;
    qp.items = items;
    qp.ignoreFocusOut = true;
    qp.matchOnDescription = true;
    let done = false;
    qp.onDidAccept(() => {
      const sel = qp.selectedItems[0];
      if (sel?.action === 'markdown') {
        void showPreviewMarkdown(p, paramsUri);
        return; // stays open (ignoreFocusOut)
      }
      done = true;
      qp.hide();
      resolve(true);
    });
    qp.onDidHide(() => {
      qp.dispose();
      if (!done) {
        resolve(false);
      }
    });
    qp.show();
  });
}

const BAD_BRANCH = /[\s~^:?*[\\]|\.\.|@\{|\.lock$|\/$|^\/|^-/;

type Target = 'pr' | 'base' | 'push';

async function runExperiment(ctx: CommandContext, arg: unknown): Promise<void> {
  const client = runningClient(ctx);
  if (!client) {
    return;
  }
  const uri = uriArgument(arg) ?? (await pickParamsFile('Run Experiment'));
  if (!uri) {
    return;
  }
  const uriText = client.code2ProtocolConverter.asUri(uri);

  let p: ExperimentPreview;
  try {
    p = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'CML: previewing the experiment' },
      () => preview(client, uri),
    );
  } catch (e) {
    showError(ctx, 'could not preview the experiment', e);
    return;
  }
  if (!(await reviewStep(p, uri))) {
    return;
  }

  // Step 2: branch name.
  const branch = await vscode.window.showInputBox({
    title: stepTitle(2, 'branch name'),
    prompt: `The new branch, created from ${p.base_branch} (${p.base_commit.slice(0, 7)}) and pushed to ${p.remote}`,
    value: p.branch,
    ignoreFocusOut: true,
    validateInput: (v) =>
      v.trim() === '' ? 'A branch name is required' : BAD_BRANCH.test(v.trim()) ? 'Not a valid git branch name' : undefined,
  });
  if (branch === undefined) {
    return;
  }

  // Step 3: title (commit subject and PR title).
  const title = await vscode.window.showInputBox({
    title: stepTitle(3, 'title (commit and pull request)'),
    value: p.title,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'A title is required' : undefined),
  });
  if (title === undefined) {
    return;
  }

  // Step 4: description (commit body and PR text), optional.
  const description = await vscode.window.showInputBox({
    title: stepTitle(4, 'description (optional)'),
    prompt: 'Commit body and pull request text. Leave empty for the generated one (the params diff).',
    placeHolder: 'e.g. Try a smaller learning rate',
    value: '',
    ignoreFocusOut: true,
  });
  if (description === undefined) {
    return;
  }

  // Step 5: open a PR, commit on the base branch, or push only.
  const prInto = p.pr_target ?? p.base_branch;
  let prNote: string;
  if (!p.forge) {
    prNote = `forge unknown${p.forge_note ? `: ${p.forge_note}` : ''}`;
  } else if (p.token_found) {
    prNote = `through the ${forgeName(p.forge)} API`;
  } else {
    prNote = `no ${tokenVar(p.forge)} found: the pull request page will be opened for manual creation`;
  }
  const targets: (vscode.QuickPickItem & { value: Target })[] = [
    { label: `$(git-pull-request) Open a pull request into ${prInto}`, description: prNote, value: 'pr' },
    {
      label: `$(git-commit) Commit on ${p.base_branch}`,
      description: `push ${p.base_branch} itself (fast-forward), no pull request`,
      value: 'base',
    },
    { label: '$(cloud-upload) Push the branch only', description: `push ${branch.trim()}, no pull request`, value: 'push' },
  ];
  const target = await vscode.window.showQuickPick(targets, {
    title: stepTitle(5, 'pull request'),
    placeHolder: `${branch.trim()} → ${p.remote}`,
    ignoreFocusOut: true,
  });
  if (!target) {
    return;
  }

  const args: ExperimentArgs = { uri: uriText, title: title.trim() };
  if (description.trim() !== '') {
    args.description = description;
  }
  if (target.value === 'base') {
    args.toBase = true;
  } else {
    args.branch = branch.trim();
    if (target.value === 'push') {
      args.noPr = true;
    }
  }
  await runWithProgress(ctx, client, args, target.value === 'base' ? p.base_branch : args.branch!);
}

async function runWithProgress(ctx: CommandContext, client: LanguageClient, args: ExperimentArgs, branch: string) {
  const workDoneToken = `cml-lsp/run-experiment/${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  interactive.runs++;
  let outcome: ExperimentOutcome | undefined;
  let error: unknown;
  try {
    outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CML: experiment on ${branch}`, cancellable: true },
      async (progress, token) => {
        // The server's $/progress for our token (its commit, push and pull request lines,
        // e.g. "Pushing exp/lr-abc1234 to origin") lands in this notification.
        const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          if (v.kind !== 'end' && v.message) {
            progress.report({ message: v.message });
          }
        });
        try {
          return await callServer<ExperimentOutcome>(client, SERVER.runExperiment, args, { workDoneToken, token });
        } finally {
          sub.dispose();
        }
      },
    );
  } catch (e) {
    error = e;
  } finally {
    interactive.runs--;
  }
  // The server's info messages held back during the run, except its summary (shown below
  // with an "Open" button), are shown after all.
  const held = interactive.held;
  interactive.held = [];
  for (const m of held) {
    if (m !== outcome?.summary) {
      void vscode.window.showInformationMessage(m);
    }
  }
  if (outcome) {
    showOutcome(outcome);
  } else if (isCancelled(error)) {
    void vscode.window.showInformationMessage('cml-lsp: the experiment was cancelled before the push.');
  } else {
    showRunError(ctx, error);
  }
}

function showOutcome(o: ExperimentOutcome): void {
  const url = o.url ?? undefined;
  let text = o.summary;
  if (url && !text.includes(url)) {
    text += o.pr_created || o.pr_existed ? ` Pull request: ${url}` : ` Create the pull request: ${url}`;
  }
  if (o.warnings.length > 0) {
    void vscode.window.showWarningMessage(`cml-lsp: ${o.warnings.join(' ')}`);
  }
  const buttons = url ? ['Open'] : [];
  void vscode.window.showInformationMessage(text, ...buttons).then((pick) => {
    if (pick === 'Open' && url) {
      void vscode.env.openExternal(vscode.Uri.parse(url));
    }
  });
}

// --- CML: Generate CML Workflow… -----------------------------------------------------------

interface Choice<T> extends vscode.QuickPickItem {
  value: T;
}

const OTHER = '\u0000other';
const SYNTHETIC_REGIONS = ['us-east', 'us-west', 'eu-north', 'eu-west'];
const SYNTHETIC_SIZES: Record<string, string> = { s: 'small', m: 'medium', l: 'large', xl: 'extra large' };
const NATIVE_EXAMPLES: Record<Cloud, { region: string; type: string }> = {
  aws: { region: 'us-east-2 or us-east-2b', type: 'g4dn.xlarge' },
  azure: { region: 'eastus', type: 'Standard_NC6' },
  gcp: { region: 'us-central1-f (a zone)', type: 'n1-standard-4' },
  kubernetes: { region: '', type: '8-32000+nvidia-tesla-t4*1' },
};

/** The synthetic `<size>+<gpu>` combinations CML maps per cloud. */
function syntheticGpus(cloud: Cloud, size: string): string[] {
  const combos =
    cloud === 'kubernetes'
      ? ['m+k80', 'l+k80', 'xl+k80', 'm+v100', 'l+v100', 'xl+v100']
      : ['m+t4', 'm+k80', 'l+k80', 'xl+k80', 'm+v100', 'l+v100', 'xl+v100'];
  return combos.filter((c) => c.startsWith(`${size}+`)).map((c) => c.slice(size.length + 1));
}

/** Puts the choice whose value is `preferred` first and marks it as the default. */
function withDefault<T>(choices: Choice<T>[], preferred: T | undefined): Choice<T>[] {
  const i = choices.findIndex((c) => c.value === preferred);
  if (i < 0) {
    return choices;
  }
  const first = { ...choices[i], description: `${choices[i].description ?? ''} (default)`.trim() };
  return [first, ...choices.slice(0, i), ...choices.slice(i + 1)];
}

class Wizard {
  private step = 0;
  constructor(private readonly total: number) {}

  title(what: string): string {
    this.step++;
    return `Generate CML Workflow (${this.step}/${this.total}): ${what}`;
  }

  async choose<T>(what: string, choices: Choice<T>[]): Promise<T | undefined> {
    const pick = await vscode.window.showQuickPick(choices, { title: this.title(what), ignoreFocusOut: true });
    return pick?.value;
  }

  async text(what: string, value: string, validate?: (v: string) => string | undefined, prompt?: string) {
    return vscode.window.showInputBox({ title: this.title(what), value, prompt, ignoreFocusOut: true, validateInput: validate });
  }

  /** A pick list with an "Other…" entry that asks for free text. */
  async chooseOrType(what: string, choices: Choice<string>[], otherPrompt: string): Promise<string | undefined> {
    const title = this.title(what);
    const v = (
      await vscode.window.showQuickPick([...choices, { label: 'Other…', description: otherPrompt, value: OTHER }], {
        title,
        ignoreFocusOut: true,
      })
    )?.value;
    if (v !== OTHER) {
      return v;
    }
    return vscode.window.showInputBox({
      title: `${title}: other`,
      prompt: otherPrompt,
      ignoreFocusOut: true,
      validateInput: (s) => (s.trim() === '' ? 'A value is required' : undefined),
    });
  }
}

/** The `cml-lsp.generate` setting: wizard defaults (the server applies them as well). */
function wizardDefaults(scope?: vscode.Uri): WizardOptions {
  const v = vscode.workspace.getConfiguration(SECTION, scope).get<unknown>('generate');
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as WizardOptions) : {};
}

async function guessForge(folder: vscode.Uri): Promise<ForgeKind> {
  const exists = async (rel: string) => {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, rel));
      return true;
    } catch {
      return false;
    }
  };
  if (await exists('.gitlab-ci.yml')) {
    return 'gitlab';
  }
  if (await exists('bitbucket-pipelines.yml')) {
    return 'bitbucket';
  }
  return 'github';
}

async function generateWorkflow(ctx: CommandContext): Promise<void> {
  const client = runningClient(ctx);
  if (!client) {
    return;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('cml-lsp: open a folder to generate a workflow into.');
    return;
  }
  const defaults = wizardDefaults(folder.uri);
  const w = new Wizard(9);

  // 1. forge
  const forge = await w.choose<ForgeKind>(
    'forge',
    withDefault<ForgeKind>(
      [
        { label: 'GitHub Actions', description: '.github/workflows/', value: 'github' },
        { label: 'GitLab CI', description: '.gitlab-ci.yml', value: 'gitlab' },
        { label: 'Bitbucket Pipelines', description: 'bitbucket-pipelines.yml', value: 'bitbucket' },
      ],
      defaults.forge ?? (await guessForge(folder.uri)),
    ),
  );
  if (!forge) {
    return;
  }
  // 2. cloud
  const cloud = await w.choose<Cloud>(
    'cloud',
    withDefault<Cloud>(
      [
        { label: 'aws', description: 'Amazon Web Services', value: 'aws' },
        { label: 'azure', description: 'Microsoft Azure', value: 'azure' },
        { label: 'gcp', description: 'Google Cloud', value: 'gcp' },
        { label: 'kubernetes', description: 'a Kubernetes cluster', value: 'kubernetes' },
      ],
      defaults.cloud ?? 'aws',
    ),
  );
  if (!cloud) {
    return;
  }
  const ex = NATIVE_EXAMPLES[cloud];
  // 3. region (the Kubernetes runner has none)
  let region: string | undefined;
  if (cloud === 'kubernetes') {
    w.title('region');
  } else {
    region = await w.chooseOrType(
      'region',
      withDefault(
        SYNTHETIC_REGIONS.map((r) => ({ label: r, description: 'CML generic region', value: r })),
        defaults.region ?? 'us-west',
      ),
      `a native ${cloud} region, e.g. ${ex.region}`,
    );
    if (!region) {
      return;
    }
  }
  // 4. machine type
  const machineType = await w.chooseOrType(
    'machine type',
    withDefault(
      Object.entries(SYNTHETIC_SIZES).map(([v, d]) => ({ label: v, description: `CML generic: ${d}`, value: v })),
      defaults.machineType ?? 'm',
    ),
    `a native ${cloud} type, e.g. ${ex.type}`,
  );
  if (!machineType) {
    return;
  }
  // 5. GPU: a synthetic size takes a synthetic GPU; a native GCP type a native accelerator;
  //    native AWS/Azure types and Kubernetes types carry theirs; Bitbucket runners have none.
  let gpu: string | undefined;
  const synthetic = machineType in SYNTHETIC_SIZES;
  const gpuChoices: Choice<string>[] = [{ label: 'none', description: 'CPU only', value: 'none' }];
  if (forge !== 'bitbucket') {
    if (synthetic) {
      gpuChoices.push(...syntheticGpus(cloud, machineType).map((g) => ({ label: g, description: `${machineType}+${g}`, value: g })));
    } else if (cloud === 'gcp' && !machineType.includes('+')) {
      gpuChoices.push(
        ...['nvidia-tesla-t4', 'k80', 'v100'].map((g) => ({ label: g, description: 'accelerator', value: g })),
      );
    }
  }
  if (gpuChoices.length === 1) {
    w.title('GPU');
  } else {
    gpu = await w.chooseOrType('GPU', withDefault(gpuChoices, defaults.gpu ?? 'none'), 'a GPU name');
    if (!gpu) {
      return;
    }
  }
  // 6. spot (not on Kubernetes)
  let spot = false;
  if (cloud === 'kubernetes') {
    w.title('spot instance');
  } else {
    const s = await w.choose<boolean>(
      'spot instance',
      withDefault<boolean>(
        [
          { label: 'No', description: 'on-demand machine', value: false },
          { label: 'Yes', description: '--cloud-spot: cheaper, may be preempted', value: true },
        ],
        defaults.spot ?? false,
      ),
    );
    if (s === undefined) {
      return;
    }
    spot = s;
  }
  // 7. disk size
  const hdd = await w.text(
    'disk size in GB (--cloud-hdd-size)',
    String(defaults.hddSize ?? 100),
    (v) => (/^[1-9][0-9]{0,5}$/.test(v.trim()) ? undefined : 'A whole number of GB'),
  );
  if (!hdd) {
    return;
  }
  // 8. runner reuse (Bitbucket rejects --reuse-idle)
  const allReuse: Choice<ReuseMode>[] = [
    { label: 'reuse-idle', description: '--reuse-idle: launch unless a matching runner is idle', value: 'reuse-idle' },
    { label: 'reuse', description: '--reuse: launch nothing if a matching runner is online', value: 'reuse' },
    { label: 'single', description: '--single: the runner takes one job, then goes away', value: 'single' },
    { label: 'none', description: 'always launch a new runner', value: 'none' },
  ];
  const reuseChoices = allReuse.filter((c) => forge !== 'bitbucket' || c.value !== 'reuse-idle');
  const reuse = await w.choose<ReuseMode>(
    'reuse runners',
    withDefault(reuseChoices, defaults.reuse ?? (forge === 'bitbucket' ? 'none' : 'reuse-idle')),
  );
  if (!reuse) {
    return;
  }
  // 9. labels
  const labelText = await w.text(
    'runner labels (comma separated)',
    (defaults.labels ?? ['cml']).join(','),
    (v) => (v.split(',').some((l) => l.trim() === '') ? 'Labels are comma separated and not empty' : undefined),
  );
  if (!labelText) {
    return;
  }

  const args: GenerateArgs = {
    root: client.code2ProtocolConverter.asUri(folder.uri),
    apply: true,
    forge,
    cloud,
    machineType: machineType.trim(),
    spot,
    hddSize: Number(hdd.trim()),
    reuse,
    labels: labelText.split(',').map((l) => l.trim()),
  };
  if (region) {
    args.region = region.trim();
  }
  if (gpu) {
    args.gpu = gpu.trim();
  }
  let result: GenerateResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'CML: generating the workflow' },
      () => callServer<GenerateResult>(client, SERVER.generateWorkflow, args),
    );
  } catch (e) {
    const exists = /^(\S+) already exists/.exec(errorText(e));
    if (exists) {
      const target = vscode.Uri.joinPath(folder.uri, exists[1]);
      void vscode.window.showErrorMessage(`cml-lsp: ${errorText(e)}`, 'Open File').then((pick) => {
        if (pick === 'Open File') {
          void vscode.window.showTextDocument(target);
        }
      });
      return;
    }
    showError(ctx, 'could not generate the workflow', e);
    return;
  }
  if (result.warnings.length > 0) {
    void vscode.window.showWarningMessage(`cml-lsp: ${result.warnings.join(' ')}`);
  }
  if (result.applied) {
    // VS Code applies the server's CreateFile + insert to an open, unsaved buffer; the
    // file is new (or was blank), so write it to disk right away.
    const target = client.protocol2CodeConverter.asUri(result.uri).toString();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target);
    if (doc?.isDirty) {
      await doc.save();
    }
  } else {
    // The server could not write it (e.g. the edit was refused): hand over the text.
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: result.text });
    await vscode.window.showTextDocument(doc);
    void vscode.window.showWarningMessage(
      `cml-lsp: ${result.path} was not written; the generated workflow is in this new tab. ` +
        `Secrets to create: ${result.secrets.map((s) => s.name).join(', ')}.`,
    );
  }
}

// --- registration --------------------------------------------------------------------------

export function registerCommands(context: vscode.ExtensionContext, ctx: CommandContext): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(`${SECTION}.${id}`, fn));
  reg('runExperiment', (arg) => runExperiment(ctx, arg));
  reg('previewExperiment', (arg) => previewExperiment(ctx, arg));
  reg('generateWorkflow', () => generateWorkflow(ctx));
  reg('restartServer', () => ctx.restart());
  reg('showServerLog', () => ctx.showLog());
  context.subscriptions.push(
    previewChanged,
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, {
      onDidChange: previewChanged.event,
      provideTextDocumentContent: (uri) => previewDocs.get(uri.toString()) ?? '',
    }),
  );
}
