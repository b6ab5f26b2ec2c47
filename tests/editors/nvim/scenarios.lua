-- Scenarios for e2e.lua: one fresh workspace and one server per scenario.
--
-- Fields:
--   name     unique name (E2E_ONLY=name1,name2 runs a subset)
--   files    { [relative path] = text }; the opened file may hold one `$0` cursor marker
--   open     the file to open (relative path)
--   check    "diagnostics" | "completion" | "hover" | "definition" | "executeCommand"
--   expect   depends on `check`:
--     diagnostics     list of { lnum, col, code, severity, message? (Lua pattern) }; 0-based like
--                     vim.diagnostic; `exact = true` on the scenario also requires the same count
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
}
