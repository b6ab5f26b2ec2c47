// Drives VS Code (code-server in chromium, through playwright-core) against cml-lsp.
// Started by run.sh, which prepares the workspace and code-server. Env:
//   CS_URL         code-server base URL (127.0.0.1 only)
//   E2E_WORKSPACE  the workspace folder (a git repo with the fixture files)
//   E2E_REMOTE     the bare repo the workspace pushes to
//   E2E_FORGE_LOG  JSON lines written by fake_forge.js
//   E2E_ARTIFACTS  directory for the screenshots
//   E2E_SKIP       local debugging only: comma-separated steps to skip (completion,
//                  runExperiment, generateWorkflow); the default runs every step
//   CHROMIUM       browser binary (default /usr/bin/chromium)
// Prints one JSON object; exit 0 when every step that ran passed.
'use strict';
const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CS_URL = process.env.CS_URL;
const WS = process.env.E2E_WORKSPACE;
const ARTIFACTS = process.env.E2E_ARTIFACTS;
const SKIP = new Set((process.env.E2E_SKIP || '').split(',').map((s) => s.trim()).filter(Boolean));
const t0 = Date.now();
const result = { ok: false, steps: {}, skipped: [...SKIP], timings_ms: {}, screenshots: [] };
const mark = (k) => (result.timings_ms[k] = Date.now() - t0);

function lineOf(file, needle) {
  const lines = fs.readFileSync(path.join(WS, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`fixture ${file} has no line with ${needle}`);
  return i + 1;
}

async function shot(page, name) {
  const file = path.join(ARTIFACTS, name);
  await page.waitForTimeout(400); // let notifications finish sliding in
  await page.screenshot({ path: file });
  result.screenshots.push(file);
}

let lastInputValue = null; // the value an input step proposed, read as it was accepted
const quickInput = (page) => page.locator('.quick-input-widget input.input');

async function palette(page, title) {
  await page.keyboard.press('F1');
  await quickInput(page).waitFor({ state: 'visible', timeout: 10000 });
  await quickInput(page).fill('>' + title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10000 });
  await page.keyboard.press('Enter');
}

async function openFile(page, rel) {
  await page.keyboard.press('Control+P');
  await quickInput(page).waitFor({ state: 'visible', timeout: 10000 });
  await quickInput(page).fill(rel);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(rel) }).first().waitFor({ timeout: 10000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: path.basename(rel) }).waitFor({ timeout: 10000 });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 10000 });
}

async function gotoLine(page, line) {
  await page.keyboard.press('Control+G');
  await quickInput(page).waitFor({ state: 'visible', timeout: 10000 });
  await quickInput(page).fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
}

/** Waits for the quick input whose title contains `title`, then accepts the proposal. */
async function acceptStep(page, title, expect) {
  const widget = page.locator('.quick-input-widget', { has: page.locator('.quick-input-title', { hasText: title }) });
  await widget.waitFor({ state: 'visible', timeout: 20000 });
  // A quick pick gets its items just after its title: wait for the focused row, or Enter
  // would accept nothing.
  const list = page.locator('.quick-input-widget .quick-input-list');
  if (await list.isVisible().catch(() => false)) {
    await list.locator('.monaco-list-row.focused').first().waitFor({ timeout: 10000 });
  }
  const text = await widget.innerText();
  if (expect && !expect.test(text)) throw new Error(`step "${title}" does not show ${expect}: ${text}`);
  lastInputValue = await quickInput(page).inputValue().catch(() => null);
  await page.keyboard.press('Enter');
  // The step must go away (the next one has another title); one retry if Enter was lost.
  const gone = () => widget.waitFor({ state: 'hidden', timeout: 3000 }).then(() => true, () => false);
  if (!(await gone())) {
    await page.keyboard.press('Enter');
    if (!(await gone())) throw new Error(`step "${title}" did not accept Enter`);
  }
  return text;
}

async function stepDiagnostics(page) {
  await openFile(page, '.github/workflows/broken.yml');
  await page.keyboard.press('Control+Shift+M');
  // The fixture's open flow sequence is on line 5; the panel shows `[Ln 5, Col N]`.
  const line = process.env.E2E_EXPECT_LINE || '5';
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'yaml-syntax' }).filter({ hasText: `[Ln ${line},` });
  await row.first().waitFor({ timeout: 30000 });
  const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
  result.steps.diagnostics = { ok: true, problems: rows.map((r) => r.replace(/\s+/g, ' ').trim()) };
  await shot(page, '1-diagnostics.png');
  mark('diagnostics');
}

async function stepCompletion(page) {
  await openFile(page, '.github/workflows/cml.yaml');
  await gotoLine(page, lineOf('.github/workflows/cml.yaml', '--cloud-region='));
  const widget = page.locator('.editor-widget.suggest-widget.visible');
  const region = widget.locator('.monaco-list-row', { hasText: /us-(east|west)|eu-(west|north)/ }).first();
  // Ctrl+Space right after a quick input closes is sometimes swallowed: retry, and
  // finally go through the palette (the command acts on the last focused editor).
  let shown = false;
  for (let attempt = 0; attempt < 4 && !shown; attempt++) {
    await page.waitForTimeout(300);
    if (attempt < 3) {
      await page.keyboard.press('Control+Space');
    } else {
      await palette(page, 'Trigger Suggest');
    }
    shown = await region.waitFor({ timeout: 5000 }).then(() => true, () => false);
  }
  if (!shown) throw new Error('no region completion in the suggest widget');
  const labels = await widget.locator('.monaco-list-row .label-name').allInnerTexts();
  result.steps.completion = { ok: true, labels };
  await shot(page, '2-completion.png');
  await page.keyboard.press('Escape');
  mark('completion');
}

const git = (...args) => execFileSync('git', args, { encoding: 'utf8', timeout: 10000 });
const remoteHeads = () =>
  git('--git-dir', process.env.E2E_REMOTE, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n').filter(Boolean);
const forgeRequests = () =>
  fs.existsSync(process.env.E2E_FORGE_LOG)
    ? fs.readFileSync(process.env.E2E_FORGE_LOG, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    : [];

const DESCRIPTION = 'Smaller learning rate, from the VS Code e2e';

async function stepRunExperiment(page) {
  await openFile(page, 'params.yaml');
  // lr: 0.01 -> lr: 0.02, NOT saved: the server must commit the editor's buffer.
  await gotoLine(page, lineOf('params.yaml', 'lr:'));
  for (let i = 0; i < 4; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type('0.02');
  await page.locator('.tab.active.dirty', { hasText: 'params.yaml' }).waitFor({ timeout: 5000 });
  await palette(page, 'CML: Run Experiment');
  // 1/5: the diff, base, remote and forge from cml.previewExperiment.
  const review = page.locator('.quick-input-widget', { has: page.locator('.quick-input-title', { hasText: '(1/5)' }) });
  await review.waitFor({ state: 'visible', timeout: 30000 });
  await review.locator('.monaco-list-row', { hasText: 'train.lr' }).first().waitFor({ timeout: 10000 });
  const diff = await review.innerText();
  for (const want of ['train.lr', '0.01', '0.02', 'base main', 'remote origin', 'GitHub']) {
    if (!diff.includes(want)) throw new Error(`review step lacks "${want}": ${diff}`);
  }
  await shot(page, '3a-run-experiment-review.png');
  await page.keyboard.press('Enter');
  const branchStep = await acceptStep(page, '(2/5)');
  const branch = lastInputValue;
  await acceptStep(page, '(3/5)');
  // 4/5: description (optional); give one and check it lands in the commit.
  const descWidget = page.locator('.quick-input-widget', { has: page.locator('.quick-input-title', { hasText: '(4/5)' }) });
  await descWidget.waitFor({ state: 'visible', timeout: 20000 });
  await quickInput(page).fill(DESCRIPTION);
  await page.keyboard.press('Enter');
  const targetStep = await acceptStep(page, '(5/5)', /Open a pull request into main/);
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: /\/pull\/\d+/ });
  await toast.first().waitFor({ timeout: 60000 });
  const toastText = (await toast.first().innerText()).replace(/\s+/g, ' ').trim();
  const url = (toastText.match(/http:\/\/127\.0\.0\.1:\d+\/\S*?\/pull\/\d+/) || [])[0];
  // The progress notification lingers a moment after the run; let it go for the screenshot.
  await page
    .locator('.notifications-toasts .notification-toast', { hasText: 'CML: experiment on' })
    .first()
    .waitFor({ state: 'hidden', timeout: 5000 })
    .catch(() => {});
  await shot(page, '3-run-experiment.png');

  const heads = remoteHeads();
  const prRequests = forgeRequests().filter((r) => r.method === 'POST');
  const step = (result.steps.runExperiment = {
    branch,
    target_step: targetStep.replace(/\s+/g, ' ').trim(),
    toast: toastText,
    pr_url: url,
    remote_branches: heads,
    forge_requests: prRequests,
  });
  if (!url) throw new Error(`no PR link in the notification: ${toastText}`);
  if (!toastText.includes('Open')) throw new Error(`the notification has no Open button: ${toastText}`);
  const expBranch = heads.find((h) => h !== 'main');
  if (!expBranch) throw new Error(`no experiment branch on the remote (branches: ${heads.join(', ')})`);
  if (branch && expBranch !== branch) throw new Error(`remote branch ${expBranch}, proposed ${branch}`);
  // The pushed commit holds the unsaved text; the file on disk is untouched.
  const pushed = git('--git-dir', process.env.E2E_REMOTE, 'show', `${expBranch}:params.yaml`);
  const message = git('--git-dir', process.env.E2E_REMOTE, 'log', '-1', '--format=%B', expBranch);
  const onDisk = fs.readFileSync(path.join(WS, 'params.yaml'), 'utf8');
  Object.assign(step, { pushed_params: pushed, commit_message: message });
  if (!/lr: 0\.02/.test(pushed)) throw new Error(`the pushed params.yaml lacks the unsaved edit: ${pushed}`);
  if (!/lr: 0\.01/.test(onDisk)) throw new Error('params.yaml on disk changed');
  if (!message.includes(DESCRIPTION)) throw new Error(`the commit message lacks the description: ${message}`);
  const pr = prRequests.find((r) => /^\/repos\/acme\/demo\/pulls\/?$/.test(r.path));
  if (!pr) throw new Error(`the forge stand-in got no POST /repos/acme/demo/pulls: ${JSON.stringify(prRequests)}`);
  if (!pr.body || pr.body.head !== expBranch || pr.body.base !== 'main') {
    throw new Error(`PR request head/base wrong: ${JSON.stringify(pr.body)}`);
  }
  if (!`${pr.authorization ?? ''}`.includes('fake')) throw new Error(`the PR request did not carry the token: ${pr.authorization}`);
  await dismissToasts(page);

  // The "Run experiment with these params" lens opens the same interactive flow (not an
  // immediate run): its first step appears, Escape cancels, nothing new is pushed.
  const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run experiment with these params' });
  await lens.first().waitFor({ timeout: 20000 });
  await lens.first().click();
  await review.waitFor({ state: 'visible', timeout: 30000 });
  await page.keyboard.press('Escape');
  await review.waitFor({ state: 'hidden', timeout: 10000 });
  if (remoteHeads().length !== heads.length || forgeRequests().filter((r) => r.method === 'POST').length !== prRequests.length) {
    throw new Error('the code lens ran the experiment instead of opening the review step');
  }
  step.lens = 'opens the review step';
  // "Preview experiment" shows the plan as Markdown to the side.
  const previewLens = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Preview experiment' });
  await previewLens.first().click();
  const previewTab = page.locator('.tab', { hasText: 'preview.md' });
  await previewTab.first().waitFor({ timeout: 20000 });
  step.preview_tab = (await previewTab.first().innerText()).replace(/\s+/g, ' ').trim();
  await shot(page, '3b-preview-experiment.png');
  step.ok = true;
  mark('runExperiment');
}

async function dismissToasts(page) {
  // Close every notification toast so later steps see only their own.
  for (let i = 0; i < 10; i++) {
    const close = page.locator('.notifications-toasts .notification-toast .codicon-notifications-clear').first();
    if (!(await close.isVisible().catch(() => false))) break;
    await close.click().catch(() => {});
    await page.waitForTimeout(100);
  }
}

async function stepGenerateWorkflow(page) {
  await palette(page, 'CML: Generate CML Workflow');
  // Accept every proposal: forge, cloud, region, type, GPU, spot, disk, reuse, labels.
  for (let i = 1; i <= 9; i++) await acceptStep(page, `(${i}/9)`);
  const tab = page.locator('.tab.active', { hasText: 'cml.yml' });
  await tab.waitFor({ timeout: 30000 });
  await page.locator('.monaco-editor .view-lines', { hasText: 'Generated by cml-lsp' }).first().waitFor({ timeout: 30000 });
  const file = path.join(WS, '.github', 'workflows', 'cml.yml');
  let text = '';
  for (let i = 0; i < 50 && !/cml runner launch/.test(text); i++) {
    text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (!/cml runner launch/.test(text)) await page.waitForTimeout(100);
  }
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'secrets' });
  const secretsToast = await toast.first().innerText({ timeout: 10000 }).then((t) => t.replace(/\s+/g, ' ').trim(), () => null);
  result.steps.generateWorkflow = {
    tab: (await tab.first().innerText()).replace(/\s+/g, ' ').trim(),
    file_on_disk: fs.existsSync(file),
    secrets_toast: secretsToast,
    head: text.split('\n').slice(0, 6),
  };
  if (!/cml runner launch/.test(text)) throw new Error(`.github/workflows/cml.yml on disk lacks the launch step: ${text.slice(0, 200)}`);
  if (!/--cloud=aws/.test(text) || !/--cloud-region=us-west/.test(text)) throw new Error('the workflow does not reflect the defaults (aws, us-west)');
  await shot(page, '4-generate-workflow.png');
  result.steps.generateWorkflow.ok = true;
  mark('generateWorkflow');
}

// A wrong cml-lsp.server.path must restart the client and say what to fix.
async function stepMissingServer(page) {
  const file = path.join(WS, '.vscode', 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
  settings['cml-lsp.server.path'] = path.join(WS, 'no-such-dir', 'cml-lsp');
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'cml-lsp.server.path' });
  await toast.first().waitFor({ timeout: 30000 });
  const text = (await toast.first().innerText()).replace(/\s+/g, ' ').trim();
  result.steps.missingServer = { ok: true, toast: text };
  if (!/does not exist/.test(text) || !/Open Settings/.test(text)) throw new Error(`unclear error: ${text}`);
  await shot(page, '5-missing-server.png');
  mark('missingServer');
}

(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cml-lsp-e2e-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(20000);
  let current = 'startup';
  try {
    await page.goto(`${CS_URL}/?folder=${encodeURIComponent(WS)}`, { timeout: 60000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60000 });
    mark('workbench_ready');
    current = 'diagnostics';
    await stepDiagnostics(page);
    if (!SKIP.has('completion')) {
      current = 'completion';
      await stepCompletion(page);
    }
    if (!SKIP.has('runExperiment')) {
      current = 'runExperiment';
      await stepRunExperiment(page);
    }
    if (!SKIP.has('generateWorkflow')) {
      current = 'generateWorkflow';
      await stepGenerateWorkflow(page);
    }
    current = 'missingServer';
    await stepMissingServer(page);
    result.ok = true;
  } catch (e) {
    result.failed_step = current;
    result.error = String((e && e.stack) || e).slice(0, 3000);
    try {
      await shot(page, 'failure.png');
    } catch {
      // the page may be gone
    }
  }
  mark('total');
  await ctx.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
  console.log(JSON.stringify(result, null, 1));
  process.exit(result.ok ? 0 : 1);
})();
