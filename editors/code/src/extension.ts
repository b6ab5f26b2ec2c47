// Entry point: starts cml-lsp for workflow, dvc.yaml and params files and registers
// the palette commands.
import * as vscode from 'vscode';
import {
  ConfigurationParams,
  LanguageClient,
  LanguageClientOptions,
  MessageType,
  ResponseError,
  RevealOutputChannelOn,
  ServerOptions,
  ShowMessageNotification,
} from 'vscode-languageclient/node';

import { CLIENT, interactive, registerCommands, SERVER } from './commands';
import { documentSelector, SECTION, serverExtraEnv, serverSettings } from './config';
import { resolveServer, ServerNotFound } from './server';

const NAME = 'CML Language Server';

let client: LanguageClient | undefined;
let outputChannel: vscode.OutputChannel | undefined;
let traceChannel: vscode.OutputChannel | undefined;

export function currentClient(): LanguageClient | undefined {
  return client;
}

export function showServerLog(): void {
  (client?.outputChannel ?? outputChannel)?.show(true);
}

function log(line: string): void {
  outputChannel?.appendLine(`[client] ${line}`);
}

async function reportMissingServer(e: ServerNotFound): Promise<void> {
  const openSettings = 'Open Settings';
  const showLog = 'Show Log';
  const pick = await vscode.window.showErrorMessage(e.message, openSettings, showLog);
  if (pick === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server.path`);
  } else if (pick === showLog) {
    showServerLog();
  }
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const env = { ...process.env, ...serverExtraEnv() };
  let server;
  try {
    server = resolveServer(context, env);
  } catch (e) {
    if (e instanceof ServerNotFound) {
      log(e.message);
      void reportMissingServer(e);
      return;
    }
    throw e;
  }
  log(`starting ${server.command} (from ${server.source})`);

  // No `transport`: stdio is used and no `--stdio` flag is appended to the argv.
  const serverOptions: ServerOptions = {
    run: { command: server.command, args: [], options: { env } },
    debug: { command: server.command, args: [], options: { env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    initializationOptions: serverSettings(),
    synchronize: { configurationSection: SECTION },
    outputChannel,
    traceOutputChannel: traceChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    middleware: {
      // The server's lenses call its commands directly; route them to the extension's
      // interactive flows (preview, branch, title, target, then run) instead.
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        return lenses?.map(routeLens);
      },
      resolveCodeLens: async (lens, token, next) => {
        const resolved = await next(lens, token);
        return resolved ? routeLens(resolved) : resolved;
      },
      window: {
        // During an interactive run the PR link comes with an "Open" button; do not open
        // a browser tab unasked.
        showDocument: async (params, next) => {
          if (params.external === true && interactive.runs > 0) {
            return { success: true };
          }
          const r = await next(params, new vscode.CancellationTokenSource().token);
          return r instanceof ResponseError ? { success: false } : r;
        },
      },
      workspace: {
        // Answer workspace/configuration for our section without the client-only keys.
        configuration: (params: ConfigurationParams, token, next) => {
          if (params.items.every((item) => item.section === SECTION)) {
            return params.items.map((item) =>
              serverSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined),
            );
          }
          return next(params, token);
        },
      },
    },
  };
  client = new LanguageClient(SECTION, NAME, serverOptions, clientOptions);
  try {
    await client.start();
    // Same as the client's own handler, except that info messages are held back during an
    // interactive run (its summary is shown with the PR link and an "Open" button).
    client.onNotification(ShowMessageNotification.type, (message) => {
      switch (message.type) {
        case MessageType.Error:
          void vscode.window.showErrorMessage(message.message);
          break;
        case MessageType.Warning:
          void vscode.window.showWarningMessage(message.message);
          break;
        default:
          if (interactive.runs > 0) {
            interactive.held.push(message.message);
          } else {
            void vscode.window.showInformationMessage(message.message);
          }
      }
    });
  } catch (e) {
    const msg = `cml-lsp: the server (${server.command}) failed to start: ${e instanceof Error ? e.message : e}`;
    log(msg);
    const showLog = 'Show Log';
    void vscode.window.showErrorMessage(msg, showLog).then((pick) => {
      if (pick === showLog) {
        showServerLog();
      }
    });
  }
}

/** A server lens running or previewing an experiment, pointed at the extension's command. */
function routeLens(lens: vscode.CodeLens): vscode.CodeLens {
  const cmd = lens.command;
  if (cmd?.command === SERVER.runExperiment || cmd?.command === SERVER.previewExperiment) {
    const target = cmd.command === SERVER.runExperiment ? CLIENT.runExperiment : CLIENT.previewExperiment;
    lens.command = { ...cmd, command: target, arguments: cmd.arguments };
  }
  return lens;
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(5000);
    } catch (e) {
      log(`stop failed: ${e instanceof Error ? e.message : e}`);
    }
  }
}

export async function restartServer(context: vscode.ExtensionContext): Promise<void> {
  await stopClient();
  await startClient(context);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel(NAME);
  traceChannel = vscode.window.createOutputChannel(`${NAME} Trace`);
  context.subscriptions.push(outputChannel, traceChannel);

  registerCommands(context, {
    restart: () => restartServer(context),
    showLog: showServerLog,
    client: currentClient,
  });

  // Changes to the binary, its env or the file globs need a new process / selector;
  // everything else reaches the running server via workspace/didChangeConfiguration.
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      const restartKeys = ['server', 'githubGlobs', 'gitlabGlobs', 'paramsGlobs'];
      if (restartKeys.some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) {
        log('settings changed, restarting the server');
        void restartServer(context);
      }
    }),
  );

  await startClient(context);
}

export function deactivate(): Thenable<void> | undefined {
  return stopClient();
}
