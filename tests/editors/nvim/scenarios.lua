-- Scenarios for e2e.lua: one fresh workspace and one server per scenario.
--
-- Fields:
--   name     unique name (E2E_ONLY=name1,name2 runs a subset)
--   files    { [relative path] = text }; the opened file may hold one `$0` cursor marker
--   open     the file to open (relative path)
--   check    "diagnostics" | "completion" | "hover" | "definition" | "executeCommand"
--   expect   depends on `check`:
--     diagnostics     list of { lnum, col, code, severity, message? (Lua pattern) }; 0-based like
--                     vim.diagnostic, whose `col` is a byte column (Neovim converts the server's
--                     UTF-16 columns); `exact = true` on the scenario also requires the same count
--     completion      { labels = { ... } }        every label must be offered at `$0`
--     hover           { contains = "..." }        plain substring of the hover text at `$0`
--     definition      { path = "rel/path", lnum = n }   one of the targets of `$0`
--     executeCommand  { contains = "..." }        substring of the JSON-encoded result
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
}
