-- Headless Neovim (0.7+) end-to-end test of cml-lsp. Run through run.sh (one Neovim per
-- scenario), or by hand:
--   E2E_ROOT=/tmp/ws E2E_LS_CMD='["target/debug/cml-lsp"]' E2E_ONLY=yaml-syntax \
--     nvim --headless --clean -n -i NONE -c 'set rtp+=editors/nvim' \
--       -c 'luafile tests/editors/nvim/e2e.lua'
-- Prints one JSON line per scenario on stdout; exits 0 when every scenario passed, 1 otherwise.
-- E2E_LIST=1 prints the scenario names (one per line) instead.
-- Optional env: E2E_FORGE_URL / E2E_FORGE_LOG (the forge stand-in, for runExperiment).

local INIT_TIMEOUT = 10000
local WAIT_TIMEOUT = 5000
local REQUEST_TIMEOUT = 5000

local function out(obj)
  io.stdout:write(vim.json.encode(obj) .. "\n")
  io.stdout:flush()
end

local function fail_fast(msg)
  out({ ok = false, error = msg })
  vim.cmd("cquit 1")
end

local root = os.getenv("E2E_ROOT")
local cmd_json = os.getenv("E2E_LS_CMD")
if not root or not cmd_json then
  return fail_fast("E2E_ROOT and E2E_LS_CMD must be set")
end
local ok_cmd, ls_cmd = pcall(vim.json.decode, cmd_json)
if not ok_cmd or type(ls_cmd) ~= "table" then
  return fail_fast("E2E_LS_CMD is not a JSON array: " .. cmd_json)
end
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local scenarios_path = os.getenv("E2E_SCENARIOS") or (here .. "scenarios.lua")
local ok_sc, scenarios = pcall(dofile, scenarios_path)
if not ok_sc then
  return fail_fast("cannot load scenarios: " .. tostring(scenarios))
end
if os.getenv("E2E_LIST") then
  for _, sc in ipairs(scenarios) do
    io.stdout:write(sc.name .. "\n")
  end
  io.stdout:flush()
  return vim.cmd("qall!")
end
local only = {}
for n in (os.getenv("E2E_ONLY") or ""):gmatch("[^,]+") do
  only[n] = true
end

local function write_file(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- Writes the scenario's files; returns the cursor {line, byte col} of `$0` in the opened file.
local function lay_out(sc, ws)
  local cursor
  for rel, text in pairs(sc.files) do
    local s = text:find("$0", 1, true)
    if s and rel == sc.open then
      local before = text:sub(1, s - 1)
      local line = select(2, before:gsub("\n", ""))
      local col = #before - (before:match(".*\n()") or 1) + 1
      cursor = { line = line, col = col }
      text = before .. text:sub(s + 2)
    end
    write_file(ws .. "/" .. rel, text)
  end
  return cursor
end

local function diag_code(d)
  if d.code ~= nil then
    return d.code
  end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code
end

local function simplify(diags)
  local res = {}
  for _, d in ipairs(diags) do
    table.insert(res, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, code = diag_code(d), message = d.message,
    })
  end
  return res
end

local function diag_matches(want, got)
  for _, k in ipairs({ "lnum", "col", "end_lnum", "end_col", "severity", "code" }) do
    if want[k] ~= nil and want[k] ~= got[k] then
      return false
    end
  end
  return want.message == nil or (got.message or ""):find(want.message) ~= nil
end

local function all_expected(expect, got, exact)
  if exact and #expect ~= #got then
    return false
  end
  for _, w in ipairs(expect) do
    local found = false
    for _, g in ipairs(got) do
      if diag_matches(w, g) then
        found = true
        break
      end
    end
    if not found then
      return false
    end
  end
  return true
end

local function position_params(bufnr, cursor)
  local line = vim.api.nvim_buf_get_lines(bufnr, cursor.line, cursor.line + 1, false)[1] or ""
  return {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = cursor.line, character = vim.str_utfindex(line, cursor.col) },
  }
end

local function request(client, bufnr, method, params)
  local resp, err = client.request_sync(method, params, REQUEST_TIMEOUT, bufnr)
  if not resp then
    return nil, method .. ": " .. tostring(err)
  end
  if resp.err then
    return nil, method .. ": " .. vim.inspect(resp.err)
  end
  return resp.result
end

local function hover_text(result)
  if not result then
    return ""
  end
  local c = result.contents
  if type(c) == "string" then
    return c
  end
  if c.value then
    return c.value
  end
  local parts = {}
  for _, p in ipairs(c) do
    table.insert(parts, type(p) == "string" and p or p.value)
  end
  return table.concat(parts, "\n")
end

local checks = {}

function checks.diagnostics(sc, client, bufnr)
  local got = {}
  local done = vim.wait(WAIT_TIMEOUT, function()
    got = simplify(vim.diagnostic.get(bufnr))
    return all_expected(sc.expect, got, sc.exact) and (#sc.expect > 0 or (sc.published or 0) > 0)
  end, 20)
  return done, { diagnostics = got }
end

function checks.completion(sc, client, bufnr, cursor)
  local result, err = request(client, bufnr, "textDocument/completion", position_params(bufnr, cursor))
  if err then
    return false, { error = err }
  end
  local items = (result and (result.items or result)) or {}
  local labels, have = {}, {}
  for _, it in ipairs(items) do
    table.insert(labels, it.label)
    have[it.label] = true
  end
  for _, l in ipairs(sc.expect.labels) do
    if not have[l] then
      return false, { labels = labels }
    end
  end
  return true, { labels = labels }
end

function checks.hover(sc, client, bufnr, cursor)
  local result, err = request(client, bufnr, "textDocument/hover", position_params(bufnr, cursor))
  if err then
    return false, { error = err }
  end
  local text = hover_text(result)
  return text:find(sc.expect.contains, 1, true) ~= nil, { hover = text }
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local t = f:read("*a")
  f:close()
  return t
end

-- Runs a command (a list: no shell); returns its stdout, or nil and a message.
local function system(cmd)
  local res = vim.fn.system(cmd)
  if vim.v.shell_error ~= 0 then
    return nil, table.concat(cmd, " ") .. " -> exit " .. vim.v.shell_error .. ": " .. res
  end
  return res
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n") .. "\n"
end

-- `want` and `got` as JSON with sorted keys, for exact comparisons of nested tables.
local function canon(v)
  if type(v) ~= "table" then
    return vim.json.encode(v)
  end
  if vim.tbl_islist(v) then
    local parts = {}
    for _, x in ipairs(v) do
      table.insert(parts, canon(x))
    end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = vim.tbl_keys(v)
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    table.insert(parts, vim.json.encode(k) .. ":" .. canon(v[k]))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Compares each key of `want` with `got`; returns ok and the list of mismatching keys.
local function same(want, got)
  local bad = {}
  for k, w in pairs(want) do
    if canon(w) ~= canon(got[k]) then
      table.insert(bad, k)
    end
  end
  table.sort(bad)
  return #bad == 0, bad
end

function checks.definition(sc, client, bufnr, cursor, ws)
  local result, err = request(client, bufnr, "textDocument/definition", position_params(bufnr, cursor))
  if err then
    return false, { error = err }
  end
  local locs = result or {}
  if locs.uri or locs.targetUri then
    locs = { locs }
  end
  local want = vim.uri_from_fname(ws .. "/" .. sc.expect.path)
  local got = {}
  for _, l in ipairs(locs) do
    local uri = l.uri or l.targetUri
    local range = l.targetSelectionRange or l.range
    table.insert(got, { uri = uri, lnum = range.start.line, range = range })
    if uri == want and (sc.expect.lnum == nil or range.start.line == sc.expect.lnum)
      and (sc.expect.range == nil or canon(range) == canon(sc.expect.range)) then
      return true, { locations = got }
    end
  end
  return false, { locations = got, want_uri = want }
end

checks.executeCommand = function(sc, client, bufnr)
  local result, err = request(client, bufnr, "workspace/executeCommand", sc.command)
  if err then
    return false, { error = err }
  end
  local text = vim.json.encode(result == nil and vim.NIL or result)
  return text:find(sc.expect.contains, 1, true) ~= nil, { result = result }
end

-- The code action titled `expect.title` at `$0`, applied with apply_workspace_edit; then
-- waits for the server's next publish and compares the buffer and its diagnostics.
function checks.codeAction(sc, client, bufnr, cursor)
  if not vim.wait(WAIT_TIMEOUT, function() return (sc.published or 0) > 0 end, 10) then
    return false, { error = "no diagnostics published for the opened file" }
  end
  local pos = position_params(bufnr, cursor).position
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = pos, ["end"] = pos },
    context = { diagnostics = {} },
  }
  local result, err = request(client, bufnr, "textDocument/codeAction", params)
  if err then
    return false, { error = err }
  end
  local titles, action = {}, nil
  for _, a in ipairs(result or {}) do
    table.insert(titles, a.title)
    if a.title == sc.expect.title then
      action = a
    end
  end
  if not action or not action.edit then
    return false, { titles = titles }
  end
  local inserted = {}
  for _, e in ipairs((action.edit.changes or {})[vim.uri_from_bufnr(bufnr)] or {}) do
    table.insert(inserted, e.newText)
  end
  for _, dc in ipairs(action.edit.documentChanges or {}) do
    for _, e in ipairs(dc.edits or {}) do
      table.insert(inserted, e.newText)
    end
  end
  local before = sc.published
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16")
  local text = buffer_text(bufnr)
  local republished = vim.wait(WAIT_TIMEOUT, function() return sc.published > before end, 10)
  local got = {
    title = action.title,
    kind = action.kind,
    first_line = vim.api.nvim_buf_get_lines(bufnr, 0, 1, false)[1],
    text_is_the_edit = #inserted == 1 and text == inserted[1],
    launches_runner = text:find("cml runner launch", 1, true) ~= nil,
    republished = republished,
    diagnostics_after = simplify(vim.diagnostic.get(bufnr)),
    modified = vim.bo[bufnr].modified,
  }
  local ok, bad = same(sc.expect, got)
  got.mismatch = bad
  return ok, got
end

-- Answers vim.ui.input / vim.ui.select from the scenario's `answers`, in order:
--   input: a string, or true to accept the default; select: the id (or the index) of the item.
local function stub_ui(answers, seen)
  local inputs, selects = vim.deepcopy(answers.input or {}), vim.deepcopy(answers.select or {})
  vim.ui.input = function(opts, on_confirm)
    table.insert(seen, { input = opts.prompt, default = opts.default })
    local a = table.remove(inputs, 1)
    vim.schedule(function()
      on_confirm(a == true and opts.default or a)
    end)
  end
  vim.ui.select = function(items, opts, on_choice)
    local labels = {}
    for _, it in ipairs(items) do
      table.insert(labels, opts.format_item and opts.format_item(it) or tostring(it))
    end
    table.insert(seen, { select = opts.prompt, items = labels })
    local a = table.remove(selects, 1)
    local pick
    for idx, it in ipairs(items) do
      if (type(it) == "table" and it.id == a) or it == a or idx == a then
        pick = idx
      end
    end
    vim.schedule(function()
      on_choice(pick and items[pick] or nil, pick)
    end)
  end
end

local function forge_requests()
  local log = os.getenv("E2E_FORGE_LOG")
  local reqs = {}
  for line in ((log and read(log)) or ""):gmatch("[^\n]+") do
    table.insert(reqs, vim.json.decode(line))
  end
  return reqs
end

-- :CmlRunExperiment through the plugin with the prompts answered by `answers`; checks the
-- remote branch, the committed text (the unsaved buffer), the untouched file on disk, the
-- pull request the forge stand-in saw and the URL the plugin opened.
function checks.runExperiment(sc, client, bufnr, cursor, ws)
  local forge = os.getenv("E2E_FORGE_URL")
  if not forge then
    return false, { error = "E2E_FORGE_URL is not set (run through run.sh)" }
  end
  local cml, commands = require("cml_lsp"), require("cml_lsp.commands")
  local opened, seen = {}, {}
  cml.open_url = function(url)
    cml.shown_urls[url] = true
    table.insert(opened, url)
    return "opened"
  end
  stub_ui(sc.answers, seen)
  local disk_before = read(ws .. "/" .. sc.open)
  local done, err, outcome = false, nil, nil
  commands.run_experiment({ bufnr = bufnr, args = { apiUrl = forge } }, function(e, o)
    done, err, outcome = true, e, o
  end)
  if not vim.wait(20000, function() return done end, 20) then
    return false, { error = "run_experiment did not finish", prompts = seen }
  end
  if err or not outcome then
    return false, { error = err or "cancelled", prompts = seen }
  end
  local bare = sc.remote_dir
  local branch = outcome.branch
  local remote_commit = system({ "git", "-C", bare, "rev-parse", "refs/heads/" .. branch })
  local committed = system({ "git", "-C", bare, "show", branch .. ":" .. sc.open })
  local reqs = forge_requests()
  local pr = reqs[#reqs] or {}
  local got = {
    branch = branch,
    remote_has_commit = remote_commit ~= nil and vim.trim(remote_commit) == outcome.commit,
    committed_is_buffer = committed == buffer_text(bufnr),
    disk_unchanged = read(ws .. "/" .. sc.open) == disk_before and disk_before == sc.files[sc.open],
    buffer_modified = vim.bo[bufnr].modified,
    url = outcome.url,
    opened = opened,
    show_document = cml.last_show_document,
    pr_created = outcome.pr_created,
    pr_request = { method = pr.method, path = pr.path, authorization = pr.authorization,
                   head = pr.body and pr.body.head, base = pr.body and pr.body.base,
                   title = pr.body and pr.body.title },
    diff = outcome.diff,
    progress = cml.last_progress,
    summary_is_last_progress = cml.last_progress == ("Run experiment: " .. (outcome.summary or "")),
    committed = committed,
    prompts = seen,
  }
  local want = vim.deepcopy(sc.expect)
  -- The stand-in's port is only known at run time.
  local function port(s)
    return type(s) == "string" and (s:gsub("{forge}", forge)) or s
  end
  want.url = port(want.url)
  want.show_document = port(want.show_document)
  if want.opened then
    for i, u in ipairs(want.opened) do
      want.opened[i] = port(u)
    end
  end
  local ok, bad = same(want, got)
  got.mismatch = bad
  return ok, got
end

-- :CmlGenerateWorkflow through the plugin, prompts answered by `answers`. On Neovim 0.7
-- (no documentChanges) the server cannot create the file, so the plugin writes it.
function checks.generateWorkflow(sc, client, bufnr, cursor, ws)
  local commands = require("cml_lsp.commands")
  local seen = {}
  stub_ui(sc.answers, seen)
  local done, err, res = false, nil, nil
  commands.generate_workflow({}, function(e, r)
    done, err, res = true, e, r
  end)
  if not vim.wait(WAIT_TIMEOUT, function() return done end, 10) then
    return false, { error = "generate_workflow did not finish", prompts = seen }
  end
  if err or not res then
    return false, { error = err or "cancelled", prompts = seen }
  end
  local file = ws .. "/" .. (res.path or "?")
  local text = read(file)
  -- The launch arguments: the words after `cml runner launch`, over continuation lines.
  local launch, open_ = {}, false
  for line in (text or ""):gmatch("[^\n]+") do
    local t = vim.trim(line)
    local rest = t:match("^cml runner launch(.*)$")
    if rest or open_ then
      rest = rest or t
      open_ = rest:sub(-1) == "\\"
      for w in rest:gsub("\\$", ""):gmatch("%S+") do
        table.insert(launch, w)
      end
    end
  end
  local prompts = {}
  for _, p in ipairs(seen) do
    table.insert(prompts, p.select or p.input)
  end
  local cur = vim.api.nvim_get_current_buf()
  local got = {
    path = res.path,
    applied = res.applied,
    file_is_text = text ~= nil and text == res.text,
    current_buffer = vim.api.nvim_buf_get_name(cur) == file,
    buffer_is_text = buffer_text(cur) == res.text,
    attached = #require("cml_lsp").clients(cur),
    launch = launch,
    secrets = vim.tbl_map(function(x) return x.name end, res.secrets or {}),
    prompts = prompts,
  }
  -- Our files get a client as soon as they are opened; wait for it.
  vim.wait(INIT_TIMEOUT, function()
    got.attached = #require("cml_lsp").clients(cur)
    return got.attached > 0
  end, 10)
  local ok, bad = same(sc.expect, got)
  got.mismatch = bad
  return ok, got
end

-- The plugin's own attach path: which buffers get a client, and which root each has.
-- `sc.visit` lists files to open in order; `expect` maps each to
-- { client = name or false, root = rel dir, filetype = ... }, plus `clients` (total count).
function checks.attach(sc, client, bufnr, cursor, ws)
  local cml = require("cml_lsp")
  local got, ids = { files = {} }, {}
  for _, rel in ipairs(sc.visit) do
    vim.cmd("silent edit " .. vim.fn.fnameescape(ws .. "/" .. rel))
    local b = vim.api.nvim_get_current_buf()
    local c
    local want = sc.expect.files and sc.expect.files[rel]
    -- A buffer that must stay without client gets a short grace period to prove it.
    vim.wait((want and want.client == false) and 300 or INIT_TIMEOUT, function()
      c = cml.clients(b)[1]
      return c ~= nil and c.server_capabilities ~= nil
    end, 10)
    local root = c and c.config.root_dir or nil
    if root then
      root = root == ws and "." or root:sub(#ws + 2)
      ids[c.id] = true
    end
    got.files[rel] = { client = c and c.name or false, root = root or false, filetype = vim.bo[b].filetype }
  end
  got.clients = #cml.clients()
  got.commands = {}
  for _, name in ipairs({ "CmlRunExperiment", "CmlPreviewExperiment", "CmlGenerateWorkflow" }) do
    got.commands[name] = vim.fn.exists(":" .. name) == 2
  end
  got.distinct_attached = vim.tbl_count(ids)
  local ok, bad = same(sc.expect, got)
  got.mismatch = bad
  return ok, got
end

local function git_fixture(sc, ws)
  -- A bare "forge" repository outside the work tree, reached through url.insteadOf.
  local forge_root = ws .. ".forge"
  local host_path = sc.git_remote:match("^https://[^/]+/(.*)$")
  local bare = forge_root .. "/" .. host_path
  local prefix = sc.git_remote:match("^(https://[^/]+/)")
  vim.fn.mkdir(bare, "p")
  local steps = {
    { "git", "init", "-q", "--bare", bare },
    { "git", "-C", bare, "symbolic-ref", "HEAD", "refs/heads/main" },
    { "git", "-C", ws, "init", "-q" },
    { "git", "-C", ws, "symbolic-ref", "HEAD", "refs/heads/main" },
    { "git", "-C", ws, "config", "url." .. forge_root .. "/.insteadOf", prefix },
    { "git", "-C", ws, "remote", "add", "origin", sc.git_remote },
    { "git", "-C", ws, "add", "-A" },
    { "git", "-C", ws, "commit", "-q", "-m", "initial" },
    { "git", "-C", ws, "push", "-q", "origin", "main" },
  }
  for _, cmd in ipairs(steps) do
    local _, err = system(cmd)
    if err then
      error("git fixture: " .. err)
    end
  end
  sc.remote_dir = bare
end

local plugin_ready = false
local function setup_plugin(sc)
  if plugin_ready then
    return
  end
  local ok, cml = pcall(require, "cml_lsp")
  if not ok then
    error("cannot load the plugin (is editors/nvim on 'runtimepath'?): " .. tostring(cml))
  end
  cml.setup({ cmd = ls_cmd, settings = sc.settings })
  plugin_ready = true
end

-- Starts the server the way the test harness does (no plugin); returns the client id.
local function start_raw(sc, ws, uri, state)
  return vim.lsp.start_client({
    name = "cml-lsp",
    cmd = ls_cmd,
    root_dir = ws,
    workspace_folders = { { uri = vim.uri_from_fname(ws), name = sc.name } },
    init_options = sc.settings,
    on_init = function()
      state.initialized = true
    end,
    on_exit = function(code, signal)
      state.exit = { code = code, signal = signal }
    end,
    handlers = {
      ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
        if result and result.uri == uri then
          sc.published = (sc.published or 0) + 1
        end
        return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
      end,
    },
  })
end

local NO_CURSOR = {
  diagnostics = true, executeCommand = true, runExperiment = true, attach = true, generateWorkflow = true,
}

local function run_scenario(sc)
  local ws = root .. "/" .. sc.name
  local cursor = lay_out(sc, ws)
  if sc.git_remote then
    git_fixture(sc, ws)
  end
  if sc.plugin then
    setup_plugin(sc)
  end
  local path = ws .. "/" .. sc.open
  local state = {}
  local client_id, bufnr
  if sc.plugin then
    -- Count publishes for the opened file through the global handler the plugin's client uses.
    local default = vim.lsp.handlers["textDocument/publishDiagnostics"]
    local uri = vim.uri_from_fname(path)
    vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
      if result and result.uri == uri then
        sc.published = (sc.published or 0) + 1
      end
      return default(err, result, ctx, config)
    end
    vim.cmd("silent edit " .. vim.fn.fnameescape(path))
    bufnr = vim.api.nvim_get_current_buf()
    local c
    -- Neovim 0.7 lists a buffer's client only once it is initialized.
    local cml = require("cml_lsp")
    vim.wait(INIT_TIMEOUT, function()
      c = cml.clients(bufnr)[1]
      return c ~= nil or next(cml.exits) ~= nil
    end, 10)
    if not c then
      local _, exit = next(cml.exits)
      return { name = sc.name, ok = false, error = "the plugin attached no client to " .. sc.open,
               server_exit = exit }
    else
      client_id = c.id
      local on_exit = c.config.on_exit
      c.config.on_exit = function(code, signal, ...)
        state.exit = { code = code, signal = signal }
        if on_exit then
          on_exit(code, signal, ...)
        end
      end
    end
  else
    vim.cmd("silent edit " .. vim.fn.fnameescape(path))
    bufnr = vim.api.nvim_get_current_buf()
    client_id = start_raw(sc, ws, vim.uri_from_bufnr(bufnr), state)
    if not client_id then
      return { name = sc.name, ok = false, error = "start_client failed" }
    end
  end
  local client
  if client_id then
    local initialized = function()
      local c = vim.lsp.get_client_by_id(client_id)
      return state.initialized or (c and c.server_capabilities ~= nil) or state.exit ~= nil
    end
    if not vim.wait(INIT_TIMEOUT, initialized, 10) or state.exit then
      return { name = sc.name, ok = false, error = "server never initialized", server_exit = state.exit }
    end
    if not sc.plugin then
      vim.lsp.buf_attach_client(bufnr, client_id)
    end
    client = vim.lsp.get_client_by_id(client_id)
  end
  if sc.edit then
    -- An unsaved change: the buffer differs from the file on disk.
    for _, e in ipairs(sc.edit) do
      vim.api.nvim_buf_set_lines(bufnr, e.line, e.line + 1, false, { e.text })
    end
  end
  local check = checks[sc.check]
  local res
  if not check then
    res = { name = sc.name, ok = false, error = "unknown check " .. tostring(sc.check) }
  elseif not NO_CURSOR[sc.check] and not cursor then
    res = { name = sc.name, ok = false, error = "no $0 cursor marker in " .. sc.open }
  else
    local ok_call, passed, details = pcall(check, sc, client, bufnr, cursor, ws)
    if not ok_call then
      res = { name = sc.name, ok = false, error = tostring(passed) }
    else
      res = { name = sc.name, ok = passed, expect = sc.expect, got = details }
    end
  end
  -- Stop every client (the plugin may have started more than one) and wait for the exits.
  local clients = vim.lsp.get_active_clients()
  for _, c in ipairs(clients) do
    c.stop()
  end
  vim.wait(3000, function() return #vim.lsp.get_active_clients() == 0 end, 10)
  if client then
    vim.wait(1000, function() return state.exit ~= nil end, 10)
    res.server_exit = state.exit
  end
  return res
end

local all_ok, ran = true, 0
for _, sc in ipairs(scenarios) do
  if next(only) == nil or only[sc.name] then
    local t0 = vim.loop.hrtime()
    local ok_run, res = pcall(run_scenario, sc)
    if not ok_run then
      res = { name = sc.name, ok = false, error = tostring(res) }
    end
    res.ms = math.floor((vim.loop.hrtime() - t0) / 1e6)
    all_ok = all_ok and res.ok
    ran = ran + 1
    out(res)
  end
end
if ran == 0 then
  return fail_fast("no scenario selected")
end
vim.cmd(all_ok and "qall!" or "cquit 1")
