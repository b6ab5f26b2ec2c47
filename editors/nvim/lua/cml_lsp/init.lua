-- cml-lsp for Neovim 0.7+: starts the server for CML/DVC files only, one client per root,
-- and defines :CmlRunExperiment, :CmlPreviewExperiment and :CmlGenerateWorkflow.
--
--   require('cml_lsp').setup{ cmd = { 'cml-lsp' }, settings = { experiment = { forge = 'github' } } }
--
-- The buffer keeps its own filetype (yaml, json, toml), so yaml-language-server and other
-- tools attach as usual; cml-lsp is added beside them by an autocommand on the file's path.
local M = {}

M.name = 'cml_lsp'

local defaults = {
  cmd = { 'cml-lsp' },
  -- The server's `cml-lsp` settings section (its keys, not wrapped in `cml-lsp`).
  settings = {},
  on_attach = nil,
  capabilities = nil,
  -- Directories that mark a root, nearest first; else the current directory.
  root_markers = { '.git', 'dvc.yaml' },
  -- Refresh the "Run experiment" code lens in params buffers.
  codelens = true,
}

M.config = vim.deepcopy(defaults)

-- Autocommand patterns. A pattern with a `/` is matched against the full path, one
-- without against the file name only (`:h autocmd-pattern`).
M.patterns = {
  '*/.github/workflows/*.yml',
  '*/.github/workflows/*.yaml',
  '.gitlab-ci.yml',
  'bitbucket-pipelines.yml',
  'dvc.yaml',
  'params.yaml',
  'params.yml',
  'params.json',
  'params.toml',
  'action.yml',
  'action.yaml',
}

local uv = vim.loop

local function notify(msg, level)
  vim.notify('cml-lsp: ' .. msg, level or vim.log.levels.INFO)
end
M.notify = notify

-- Client methods: `client:f()` on 0.11+ (where `client.f()` is deprecated), `client.f()` before.
local method_style = vim.fn.has('nvim-0.11') == 1
function M.call(client, name, ...)
  if method_style then
    return client[name](client, ...)
  end
  return client[name](...)
end

local function normalize(path)
  return (path:gsub('\\', '/'))
end

--- Whether `path` is one of the files cml-lsp analyses.
function M.is_cml_file(path)
  if not path or path == '' then
    return false
  end
  path = normalize(path)
  local name = path:match('[^/]+$') or path
  if name == '.gitlab-ci.yml' or name == 'bitbucket-pipelines.yml' or name == 'dvc.yaml' then
    return true
  end
  if name:match('^params%.ya?ml$') or name == 'params.json' or name == 'params.toml' then
    return true
  end
  if name:match('^action%.ya?ml$') then
    return true
  end
  -- Workflows live directly in .github/workflows (no sub-directories).
  return ('/' .. path):match('/%.github/workflows/[^/]+%.ya?ml$') ~= nil
end

--- Whether `path` is a params file (the experiment commands start from one).
function M.is_params_file(path)
  local name = normalize(path or ''):match('[^/]+$') or ''
  return name:match('^params%.ya?ml$') ~= nil or name == 'params.json' or name == 'params.toml'
end

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

--- The nearest directory above `path` holding one of the root markers, else the cwd.
function M.find_root(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while dir and dir ~= '' do
    for _, marker in ipairs(M.config.root_markers) do
      if exists(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      break
    end
    dir = parent
  end
  return vim.fn.getcwd()
end

local function settings_table()
  local s = M.config.settings or {}
  -- Accept the wrapped form too: settings = { ['cml-lsp'] = { ... } }.
  if type(s['cml-lsp']) == 'table' then
    s = s['cml-lsp']
  end
  if vim.tbl_isempty(s) then
    -- Encode as {} rather than [].
    return vim.empty_dict()
  end
  return s
end

local function capabilities()
  local caps = M.config.capabilities or vim.lsp.protocol.make_client_capabilities()
  caps = vim.deepcopy(caps)
  -- We answer window/showDocument ourselves (Neovim 0.7 has no handler for it).
  caps.window = caps.window or {}
  caps.window.showDocument = { support = true }
  return caps
end

-- URLs opened through window/showDocument, so a command does not open them twice.
M.shown_urls = {}

--- Opens a URL in the browser (vim.ui.open, 0.10+); else prints it and copies it to the
--- `+` register when a clipboard exists. Returns 'opened', 'copied' or 'printed'.
function M.open_url(url)
  M.shown_urls[url] = true
  if vim.ui and vim.ui.open then
    local ok, cmd = pcall(vim.ui.open, url)
    if ok and cmd then
      return 'opened'
    end
  end
  if vim.fn.has('clipboard') == 1 and pcall(vim.fn.setreg, '+', url) then
    notify(url .. ' (copied to the + register)')
    return 'copied'
  end
  notify(url)
  return 'printed'
end

local function show_document(_, result, _, _)
  if not result or not result.uri then
    return { success = false }
  end
  local uri = result.uri
  M.last_show_document = uri
  if result.external or not uri:match('^file:') then
    M.open_url(uri)
    return { success = true }
  end
  local ok = pcall(function()
    local bufnr = vim.uri_to_bufnr(uri)
    vim.fn.bufload(bufnr)
    vim.bo[bufnr].buflisted = true
    if result.takeFocus ~= false then
      vim.api.nvim_win_set_buf(0, bufnr)
      if result.selection then
        local line = result.selection.start.line
        local text = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1] or ''
        local ok_col, col = pcall(vim.str_byteindex, text, result.selection.start.character, true)
        col = ok_col and col or #text
        vim.api.nvim_win_set_cursor(0, { line + 1, col })
      end
    end
  end)
  return { success = ok }
end

local function progress(err, result, ctx, config)
  local default = vim.lsp.handlers['$/progress']
  if default then
    pcall(default, err, result, ctx, config)
  end
  local v = result and result.value
  if type(v) == 'table' and v.kind then
    local title = v.title or M._progress_titles[result.token] or ''
    if v.kind == 'begin' then
      M._progress_titles[result.token] = title
    elseif v.kind == 'end' then
      M._progress_titles[result.token] = nil
    end
    local text = title .. (v.message and v.message ~= '' and (': ' .. v.message) or '')
    M.last_progress = text
    vim.api.nvim_echo({ { 'cml-lsp: ' .. text } }, false, {})
  end
end
M._progress_titles = {}

-- 0.7: our own root -> client id map (vim.lsp.start does this on 0.8+).
local clients_by_root = {}

--- The client configuration for a root (what vim.lsp.start / start_client take).
function M.client_config(root)
  local s = settings_table()
  local user_attach = M.config.on_attach
  return {
    name = M.name,
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    settings = { ['cml-lsp'] = s },
    init_options = s,
    capabilities = capabilities(),
    handlers = {
      ['window/showDocument'] = show_document,
      ['$/progress'] = progress,
    },
    on_attach = function(client, bufnr)
      M._on_attach(client, bufnr)
      if user_attach then
        user_attach(client, bufnr)
      end
    end,
    on_exit = function(code, signal, client_id)
      M.exits[client_id or -1] = { code = code, signal = signal, root = root }
      if clients_by_root[root] == client_id then
        clients_by_root[root] = nil
      end
      if code ~= 0 then
        vim.schedule(function()
          notify(string.format('the server exited with code %d (log: %s)', code, vim.lsp.get_log_path()),
            vim.log.levels.WARN)
        end)
      end
    end,
  }
end

-- Exit status of each client that ended, by client id.
M.exits = {}

function M._on_attach(client, bufnr)
  local caps = client.server_capabilities or {}
  if M.config.codelens and caps.codeLensProvider and M.is_params_file(vim.api.nvim_buf_get_name(bufnr)) then
    local group = vim.api.nvim_create_augroup('cml_lsp_codelens_' .. bufnr, { clear = true })
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost', 'CursorHold' }, {
      group = group,
      buffer = bufnr,
      callback = function()
        pcall(vim.lsp.codelens.refresh)
      end,
    })
    pcall(vim.lsp.codelens.refresh)
  end
end

local function live(id)
  return id and vim.lsp.get_client_by_id(id) ~= nil
end

--- Starts (or reuses) the client for `root` without attaching a buffer. Returns its id.
function M.ensure_client(root)
  root = root or vim.fn.getcwd()
  for _, c in ipairs(M.clients()) do
    if c.config.root_dir == root then
      return c.id
    end
  end
  local cfg = M.client_config(root)
  local id
  if vim.lsp.start and vim.fn.has('nvim-0.11') == 1 then
    id = vim.lsp.start(cfg, { attach = false })
  else
    id = vim.lsp.start_client(cfg)
  end
  clients_by_root[root] = id
  return id
end

--- Attaches cml-lsp to `bufnr` (default: current) when it is one of our files.
--- Returns the client id, or nil.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local path = vim.api.nvim_buf_get_name(bufnr)
  if vim.bo[bufnr].buftype ~= '' or not M.is_cml_file(path) then
    return nil
  end
  local root = M.find_root(path)
  if vim.lsp.start then
    return vim.lsp.start(M.client_config(root), { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  if not live(id) then
    id = vim.lsp.start_client(M.client_config(root))
    if not id then
      notify('could not start ' .. table.concat(M.config.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function all_clients(filter)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(filter)
  end
  if filter and filter.bufnr then
    local res = {}
    for _, c in pairs(vim.lsp.buf_get_clients(filter.bufnr)) do
      table.insert(res, c)
    end
    return res
  end
  return vim.lsp.get_active_clients()
end

local function is_ours(c)
  return c.name == M.name or c.name == 'cml-lsp'
end

--- The cml-lsp clients, all or those attached to `bufnr`.
function M.clients(bufnr)
  local res = {}
  for _, c in ipairs(all_clients(bufnr and { bufnr = bufnr } or nil)) do
    if is_ours(c) and not (c.is_stopped and M.call(c, 'is_stopped')) then
      table.insert(res, c)
    end
  end
  table.sort(res, function(a, b)
    return a.id < b.id
  end)
  return res
end

--- The client for `bufnr`: the one attached to it, else the one whose root holds the file
--- (or the cwd), else the only one running.
function M.client_for(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local attached = M.clients(bufnr)
  if attached[1] then
    return attached[1]
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  path = path ~= '' and normalize(vim.fn.fnamemodify(path, ':p')) or normalize(vim.fn.getcwd()) .. '/'
  local best
  for _, c in ipairs(M.clients()) do
    local root = c.config.root_dir and normalize(c.config.root_dir)
    if root and path:sub(1, #root + 1) == root .. '/' and (not best or #root > #best.config.root_dir) then
      best = c
    end
  end
  if best then
    return best
  end
  local all = M.clients()
  return #all == 1 and all[1] or nil
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  if opts and opts.cmd then
    M.config.cmd = opts.cmd
  end
  if opts and opts.root_markers then
    M.config.root_markers = opts.root_markers
  end
  local group = vim.api.nvim_create_augroup('cml_lsp', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
    group = group,
    pattern = M.patterns,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  require('cml_lsp.commands').define()
  -- Buffers opened before setup (e.g. `nvim params.yaml` with a lazy-loaded plugin).
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and M.is_cml_file(vim.api.nvim_buf_get_name(b)) then
      M.attach(b)
    end
  end
end

return M
