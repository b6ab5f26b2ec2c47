-- Headless Neovim (0.7+) end-to-end test of cml-lsp. Run through run.sh, or:
--   E2E_ROOT=/tmp/ws E2E_LS_CMD='["target/debug/cml-lsp"]' \
--     nvim --headless --clean -n -i NONE -c 'luafile tests/editors/nvim/e2e.lua'
-- Prints one JSON object on stdout; exits 0 when every scenario passed, 1 otherwise.

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
    local range = l.range or l.targetSelectionRange
    table.insert(got, { uri = uri, lnum = range.start.line })
    if uri == want and (sc.expect.lnum == nil or range.start.line == sc.expect.lnum) then
      return true, { locations = got }
    end
  end
  return false, { locations = got }
end

checks.executeCommand = function(sc, client, bufnr)
  local result, err = request(client, bufnr, "workspace/executeCommand", sc.command)
  if err then
    return false, { error = err }
  end
  local text = vim.json.encode(result == nil and vim.NIL or result)
  return text:find(sc.expect.contains, 1, true) ~= nil, { result = result }
end

local function run_scenario(sc)
  local ws = root .. "/" .. sc.name
  local cursor = lay_out(sc, ws)
  local path = ws .. "/" .. sc.open
  vim.cmd("silent edit " .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  local initialized, exit = false, nil
  local client_id = vim.lsp.start_client({
    name = "cml-lsp",
    cmd = ls_cmd,
    root_dir = ws,
    workspace_folders = { { uri = vim.uri_from_fname(ws), name = sc.name } },
    on_init = function()
      initialized = true
    end,
    on_exit = function(code, signal)
      exit = { code = code, signal = signal }
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
  if not client_id then
    return { name = sc.name, ok = false, error = "start_client failed" }
  end
  if not vim.wait(INIT_TIMEOUT, function() return initialized or exit ~= nil end, 10) or not initialized then
    return { name = sc.name, ok = false, error = "server never initialized", server_exit = exit }
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  local check = checks[sc.check]
  local res
  if not check then
    res = { name = sc.name, ok = false, error = "unknown check " .. tostring(sc.check) }
  elseif sc.check ~= "diagnostics" and sc.check ~= "executeCommand" and not cursor then
    res = { name = sc.name, ok = false, error = "no $0 cursor marker in " .. sc.open }
  else
    local ok_call, passed, details = pcall(check, sc, client, bufnr, cursor, ws)
    if not ok_call then
      res = { name = sc.name, ok = false, error = tostring(passed) }
    else
      res = { name = sc.name, ok = passed, expect = sc.expect, got = details }
    end
  end
  client.stop()
  vim.wait(3000, function() return exit ~= nil end, 10)
  res.server_exit = exit
  vim.cmd("silent! bwipeout! " .. bufnr)
  return res
end

local results, all_ok = {}, true
for _, sc in ipairs(scenarios) do
  if next(only) == nil or only[sc.name] then
    local ok_run, res = pcall(run_scenario, sc)
    if not ok_run then
      res = { name = sc.name, ok = false, error = tostring(res) }
    end
    all_ok = all_ok and res.ok
    table.insert(results, res)
  end
end
if #results == 0 then
  return fail_fast("no scenario selected")
end
out({ ok = all_ok, scenarios = results })
vim.cmd(all_ok and "qall!" or "cquit 1")
