-- Scenarios for e2e.lua: one fresh workspace and one server per scenario.
--
-- Fields:
--   name     unique name (E2E_ONLY=name1,name2 runs a subset)
--   files    { [relative path] = text }; the opened file may hold one `$0` cursor marker
--   open     the file to open (relative path)
--   check    "diagnostics" | "completion" | "hover" | "definition" | "executeCommand"
--            | "codeAction" | "runExperiment" | "attach"
--   plugin   true: start the server through require('cml_lsp').setup{} and its autocommands
--            (editors/nvim on 'runtimepath'), not through start_client
--   settings the server's `cml-lsp` settings (initializationOptions / setup{settings})
--   git_remote  make the workspace a git repository (files committed on `main`) whose
--            `origin` is this URL, mapped by url.insteadOf to a local bare repository
--   edit     { { line = n, text = "..." } }: lines replaced after opening, NOT saved
--   expect   depends on `check`:
--     diagnostics     list of { lnum, col, code, severity, message? (Lua pattern) }; 0-based like
--                     vim.diagnostic, whose `col` is a byte column (Neovim converts the server's
--                     UTF-16 columns); `exact = true` on the scenario also requires the same count
--     completion      { labels = { ... } }        every label must be offered at `$0`
--     hover           { contains = "..." }        plain substring of the hover text at `$0`
--     definition      { path = "rel/path", lnum = n, range = LSP range? }   one of the targets
--                     of `$0` (the range, when given, must be equal)
--     executeCommand  { contains = "..." }        substring of the JSON-encoded result
--     codeAction      exact values of: title, kind, first_line, text_is_the_edit,
--                     launches_runner, republished, diagnostics_after, modified
--     runExperiment   exact values of the fields checks.runExperiment reports (branch, url,
--                     remote_has_commit, committed_is_buffer, disk_unchanged, pr_request, ...);
--                     `{forge}` in url/opened stands for the stand-in's base URL;
--                     `answers` = { input = {...}, select = {...} } answer the prompts
--     attach          { files = { [rel] = { client, root, filetype } }, clients = n, ... }
--                     after opening `visit` (a list of relative paths) in order
--   command  for executeCommand: { command = "...", arguments = { ... } }
return {
  {
    name = "yaml-syntax",
    files = {
      [".github/workflows/broken.yml"] = table.concat({
        "name: broken",
        "on: push",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      # the next step is indented one column less than the one above",
        "     - run: echo hello",
        "",
      }, "\n"),
    },
    open = ".github/workflows/broken.yml",
    check = "diagnostics",
    expect = { { lnum = 8, col = 5, code = "yaml-syntax", severity = 1 } },
  },
  {
    -- The emoji is 4 bytes and 2 UTF-16 units: a server counting columns in the wrong unit
    -- lands off `aws2` (byte column 52).
    name = "utf16-columns",
    files = {
      [".github/workflows/train.yml"] = table.concat({
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: echo 🚀 && cml runner launch --cloud=aws2 --labels=cml",
        "",
      }, "\n"),
    },
    open = ".github/workflows/train.yml",
    check = "diagnostics",
    expect = { { lnum = 5, col = 52, end_col = 56, code = "cml-invalid-choice", severity = 1 } },
  },
  {
    name = "complete-launch-option",
    files = {
      [".github/workflows/train.yml"] = table.concat({
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: cml runner launch --cloud-re$0",
        "",
      }, "\n"),
    },
    open = ".github/workflows/train.yml",
    check = "completion",
    expect = { labels = { "--cloud-region" } },
  },
  {
    name = "hover-launch-option",
    files = {
      [".github/workflows/train.yml"] = table.concat({
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: cml runner launch --cloud=aws --cloud-re$0gion=us-west --labels=cml",
        "",
      }, "\n"),
    },
    open = ".github/workflows/train.yml",
    check = "hover",
    expect = { contains = "**--cloud-region**" },
  },
  {
    name = "definition-runner-label",
    files = {
      [".github/workflows/train.yml"] = table.concat({
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: cml runner launch --cloud=aws --labels=gpu",
        "  train:",
        "    needs: deploy",
        "    runs-on: [self-hosted, g$0pu]",
        "    steps:",
        "      - run: echo",
        "",
      }, "\n"),
    },
    open = ".github/workflows/train.yml",
    check = "definition",
    expect = { path = ".github/workflows/train.yml", lnum = 5 },
  },
  -- Issue "workflows": region values after `--cloud-region=` inside a `run: |` block.
  {
    name = "complete-region-values",
    files = {
      [".github/workflows/train.yml"] = table.concat({
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: |",
        "          cml runner launch \\",
        "            --cloud=aws \\",
        "            --cloud-region=$0",
        "",
      }, "\n"),
    },
    open = ".github/workflows/train.yml",
    check = "completion",
    expect = { labels = { "us-west", "us-east", "eu-west", "eu-north" } },
  },
  {
    -- `--cloud-regoin` sits on line 8 (0-based), columns 12..26 of a block scalar.
    name = "unknown-option-range",
    files = {
      [".github/workflows/train.yml"] = table.concat({
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: |",
        "          cml runner launch \\",
        "            --cloud=aws \\",
        "            --cloud-regoin=us-west \\",
        "            --labels=cml",
        "        env:",
        "          REPO_TOKEN: ${{ secrets.PERSONAL_ACCESS_TOKEN }}",
        "",
      }, "\n"),
    },
    open = ".github/workflows/train.yml",
    check = "diagnostics",
    expect = {
      { lnum = 8, col = 12, end_lnum = 8, end_col = 26, code = "cml-unknown-option", severity = 1 },
    },
  },
  -- Issue "params": from a dvc.yaml `params:` reference to the key in params.yaml.
  {
    name = "definition-dvc-param",
    files = {
      ["dvc.yaml"] = table.concat({
        "stages:",
        "  train:",
        "    cmd: python train.py",
        "    params:",
        "      - train.l$0r",
        "",
      }, "\n"),
      ["params.yaml"] = table.concat({
        "train:",
        "  lr: 0.01",
        "  epochs: 10",
        "",
      }, "\n"),
    },
    open = "dvc.yaml",
    check = "definition",
    expect = {
      path = "params.yaml",
      range = { start = { line = 1, character = 2 }, ["end"] = { line = 1, character = 4 } },
    },
  },
  -- Issue "generate": the wizard's code action in an empty workflow file.
  {
    name = "generate-code-action",
    files = { [".github/workflows/train.yml"] = "$0" },
    open = ".github/workflows/train.yml",
    check = "codeAction",
    expect = {
      title = "Generate a CML cloud-runner workflow",
      kind = "source",
      first_line = "# Generated by cml-lsp: a job launches a cloud runner with CML, a second job trains on it",
      text_is_the_edit = true,
      launches_runner = true,
      republished = true,
      diagnostics_after = {},
      modified = true,
    },
  },
  -- Issue "run experiment": :CmlRunExperiment commits the UNSAVED buffer, pushes a branch to
  -- the (local) remote and opens a pull request on the forge stand-in.
  {
    name = "run-experiment",
    plugin = true,
    git_remote = "https://github.com/acme/model.git",
    files = {
      ["params.yaml"] = table.concat({
        "train:",
        "  lr: 0.01",
        "  epochs: 10",
        "",
      }, "\n"),
    },
    open = "params.yaml",
    edit = { { line = 1, text = "  lr: 0.02" } },
    check = "runExperiment",
    answers = { input = { "exp/lr-0.02", "Try lr 0.02" }, select = { "pr" } },
    expect = {
      branch = "exp/lr-0.02",
      remote_has_commit = true,
      committed_is_buffer = true,
      disk_unchanged = true,
      buffer_modified = true,
      url = "{forge}/acme/model/pull/1",
      opened = { "{forge}/acme/model/pull/1" },
      -- The server asks to show the PR (window/showDocument, external); the plugin opens it
      -- once and does not open the outcome's URL again.
      show_document = "{forge}/acme/model/pull/1",
      pr_created = true,
      pr_request = {
        method = "POST",
        path = "/repos/acme/model/pulls",
        authorization = "Bearer fake",
        head = "exp/lr-0.02",
        base = "main",
        title = "Try lr 0.02",
      },
      diff = { { file = "params.yaml", key = "train.lr", old = "0.01", new = "0.02", change = "modified" } },
      committed = "train:\n  lr: 0.02\n  epochs: 10\n",
      summary_is_last_progress = true,
    },
  },
  -- The plugin's setup path: our files get the client (one per root), others do not.
  {
    name = "plugin-attach",
    plugin = true,
    files = {
      ["dvc.yaml"] = "stages: {}\n",
      [".github/workflows/ci.yml"] = "on: push\njobs: {}\n",
      ["params.yaml"] = "train:\n  lr: 0.01\n",
      ["config.yaml"] = "a: 1\n",
      ["sub/dvc.yaml"] = "stages: {}\n",
      ["sub/params.json"] = "{\"lr\": 0.1}\n",
    },
    open = ".github/workflows/ci.yml",
    check = "attach",
    visit = { ".github/workflows/ci.yml", "params.yaml", "config.yaml", "sub/params.json" },
    expect = {
      files = {
        [".github/workflows/ci.yml"] = { client = "cml_lsp", root = ".", filetype = "yaml" },
        ["params.yaml"] = { client = "cml_lsp", root = ".", filetype = "yaml" },
        ["config.yaml"] = { client = false, root = false, filetype = "yaml" },
        ["sub/params.json"] = { client = "cml_lsp", root = "sub", filetype = "json" },
      },
      clients = 2,
      distinct_attached = 2,
      commands = { CmlRunExperiment = true, CmlPreviewExperiment = true, CmlGenerateWorkflow = true },
    },
  },
  -- :CmlGenerateWorkflow: the wizard's prompts, then the file written and opened.
  {
    name = "generate-workflow-command",
    plugin = true,
    files = { ["dvc.yaml"] = "stages: {}\n" },
    open = "dvc.yaml",
    check = "generateWorkflow",
    answers = {
      select = { "github", "gcp", "us-east", "m", "t4", "yes", "200", "single" },
      input = { "cml, gpu" },
    },
    expect = {
      path = ".github/workflows/cml.yml",
      applied = false,
      file_is_text = true,
      current_buffer = true,
      buffer_is_text = true,
      attached = 1,
      launch = {
        "--cloud=gcp", "--cloud-region=us-east", "--cloud-type=m+t4", "--cloud-hdd-size=200",
        "--cloud-spot", "--single", "--labels=cml,gpu",
      },
      secrets = { "PERSONAL_ACCESS_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS_DATA" },
      prompts = {
        "Forge", "Cloud", "Region", "Machine type", "GPU", "Spot instance", "Disk size (GB)",
        "Runner reuse", "Runner labels (comma separated): ",
      },
    },
  },
}
