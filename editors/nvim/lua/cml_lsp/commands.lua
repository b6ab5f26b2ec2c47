-- The user commands: run/preview an experiment from the edited params, generate a workflow.
-- Every prompt goes through vim.ui.input / vim.ui.select, so any UI plugin (or a test) can
-- answer them.
local cml = require('cml_lsp')

local M = {}

local levels = vim.log.levels
local notify = function(msg, level)
  cml.notify(msg, level)
end

local token_seq = 0
local function next_token(kind)
  token_seq = token_seq + 1
  return string.format('cml-lsp-nvim/%s/%d', kind, token_seq)
end

-- Calls `fn()` once the client finished initializing (a client just started by
-- :CmlGenerateWorkflow has not), or `fn(err)` after 10 s or when it stopped.
local function when_ready(client, fn, waited)
  waited = waited or 0
  if client.server_capabilities and client.initialized ~= false then
    return fn()
  end
  if waited >= 10000 or not vim.lsp.get_client_by_id(client.id) then
    return fn({ message = 'the cml-lsp server did not start (see ' .. vim.lsp.get_log_path() .. ')' })
  end
  vim.defer_fn(function()
    when_ready(client, fn, waited + 50)
  end, 50)
end

-- Sends workspace/executeCommand; `cb(err, result)` with err a JSON-RPC error table.
local function execute(client, bufnr, command, args, cb, with_progress)
  when_ready(client, function(err)
    if err then
      return cb(err)
    end
    return M._send(client, bufnr, command, args, cb, with_progress)
  end)
end

function M._send(client, bufnr, command, args, cb, with_progress)
  local params = { command = command, arguments = { args } }
  if with_progress then
    params.workDoneToken = next_token('run')
  end
  local ok = cml.call(client, 'request', 'workspace/executeCommand', params, function(err, result)
    cb(err, result)
  end, bufnr)
  if not ok then
    cb({ message = 'the cml-lsp server is not running' })
  end
end

local function err_text(err)
  if type(err) == 'table' then
    return err.message or vim.inspect(err)
  end
  return tostring(err)
end

local function file_uri(bufnr, client)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name ~= '' and vim.bo[bufnr].buftype == '' then
    return vim.uri_from_bufnr(bufnr)
  end
  return vim.uri_from_fname(client.config.root_dir or vim.fn.getcwd())
end

local function merge(into, from)
  for k, v in pairs(from or {}) do
    into[k] = v
  end
  return into
end

--- One line per changed key: `params.yaml  train.lr: 0.01 -> 0.02`.
function M.format_diff(diff)
  local lines = {}
  for _, d in ipairs(diff or {}) do
    local old, new = d.old or '', d.new or ''
    local what
    if d.change == 'added' then
      what = string.format('%s (added)', new)
    elseif d.change == 'removed' then
      what = string.format('%s (removed)', old)
    else
      what = string.format('%s -> %s', old, new)
    end
    table.insert(lines, string.format('  %s  %s: %s', d.file, d.key, what))
  end
  return lines
end

--- The preview as text lines.
function M.format_preview(p)
  local lines = {}
  local target = p.to_base and ('commit on ' .. p.base_branch)
    or string.format('branch %s from %s', p.branch, p.base_branch)
  local forge = p.forge and string.format(', %s %s', p.forge, p.forge_repo or '') or ''
  table.insert(lines, string.format('Experiment: %s (remote %s%s)', target, p.remote, forge))
  vim.list_extend(lines, M.format_diff(p.diff))
  if #(p.diff or {}) == 0 then
    table.insert(lines, '  (no params changed)')
  end
  for _, w in ipairs(p.warnings or {}) do
    table.insert(lines, 'warning: ' .. w)
  end
  return lines
end

local function client_or_complain(bufnr)
  local client = cml.client_for(bufnr)
  if not client then
    notify('no cml-lsp client: open a params file (params.yaml) first', levels.ERROR)
  end
  return client
end

local function experiment_args(opts, client, bufnr)
  local args = { uri = file_uri(bufnr, client) }
  if opts.overrides and #opts.overrides > 0 then
    args.overrides = opts.overrides
  end
  return merge(args, opts.args)
end

--- Shows what :CmlRunExperiment would do. `opts`: { bufnr, overrides, args };
--- `done(err, preview)` when given.
function M.preview_experiment(opts, done)
  opts = opts or {}
  done = done or function() end
  local bufnr = (opts.bufnr == nil or opts.bufnr == 0) and vim.api.nvim_get_current_buf() or opts.bufnr
  local client = client_or_complain(bufnr)
  if not client then
    return done({ message = 'no client' })
  end
  execute(client, bufnr, 'cml.previewExperiment', experiment_args(opts, client, bufnr), function(err, p)
    if err then
      notify('preview failed: ' .. err_text(err), levels.ERROR)
      return done(err)
    end
    notify(table.concat(M.format_preview(p), '\n'))
    done(nil, p)
  end)
end

local TARGETS = {
  { id = 'pr', label = 'open a pull request' },
  { id = 'base', label = 'commit on the base branch' },
  { id = 'push', label = 'push the branch only' },
}

--- Preview, ask for branch, title and target, then run. `opts`: { bufnr, overrides, args }
--- (`args` are extra cml.runExperiment arguments, e.g. { remote = 'upstream' }).
--- `done(err, outcome)` when given; err is nil with outcome nil when the user cancelled.
function M.run_experiment(opts, done)
  opts = opts or {}
  done = done or function() end
  local bufnr = (opts.bufnr == nil or opts.bufnr == 0) and vim.api.nvim_get_current_buf() or opts.bufnr
  local client = client_or_complain(bufnr)
  if not client then
    return done({ message = 'no client' })
  end
  local base_args = experiment_args(opts, client, bufnr)
  execute(client, bufnr, 'cml.previewExperiment', base_args, function(perr, p)
    if perr then
      notify('cannot run the experiment: ' .. err_text(perr), levels.ERROR)
      return done(perr)
    end
    notify(table.concat(M.format_preview(p), '\n'))
    if #(p.diff or {}) == 0 then
      notify('nothing to run: the params match ' .. p.base_branch, levels.WARN)
      return done({ message = 'no params changed' })
    end
    local function cancelled()
      notify('experiment cancelled')
      done(nil, nil)
    end
    vim.ui.input({ prompt = 'Experiment branch: ', default = p.branch }, function(branch)
      if branch == nil then
        return cancelled()
      end
      vim.ui.input({ prompt = 'Title: ', default = p.title }, function(title)
        if title == nil then
          return cancelled()
        end
        local pr_into = p.pr_target or p.base_branch
        vim.ui.select(TARGETS, {
          prompt = 'Run the experiment how?',
          format_item = function(t)
            if t.id == 'pr' then
              return string.format('%s into %s', t.label, pr_into)
            elseif t.id == 'base' then
              return string.format('%s (%s)', t.label, p.base_branch)
            end
            return t.label
          end,
        }, function(target)
          if target == nil then
            return cancelled()
          end
          local args = vim.deepcopy(base_args)
          if target.id == 'base' then
            args.toBase = true
          else
            if branch ~= '' then
              args.branch = branch
            end
            args.noPr = target.id == 'push' or nil
          end
          if title ~= '' then
            args.title = title
          end
          vim.api.nvim_echo({ { 'cml-lsp: running the experiment...' } }, false, {})
          execute(client, bufnr, 'cml.runExperiment', args, function(err, outcome)
            if err then
              notify('experiment failed: ' .. err_text(err), levels.ERROR)
              return done(err)
            end
            notify(outcome.summary or ('pushed ' .. tostring(outcome.branch)))
            if outcome.url and outcome.url ~= vim.NIL and not cml.shown_urls[outcome.url] then
              cml.open_url(outcome.url)
            end
            done(nil, outcome)
          end, true)
        end)
      end)
    end)
  end)
end

-- Wizard steps: key, prompt, choices (first = default) or `input = true` for free text.
local function wizard_steps(answers)
  local bitbucket = answers.forge == 'bitbucket'
  return {
    { key = 'forge', prompt = 'Forge', choices = { 'github', 'gitlab', 'bitbucket' } },
    { key = 'cloud', prompt = 'Cloud', choices = { 'aws', 'azure', 'gcp', 'kubernetes' } },
    {
      key = 'region',
      prompt = 'Region',
      choices = { 'us-west', 'us-east', 'eu-west', 'eu-north' },
      skip = answers.cloud == 'kubernetes',
    },
    { key = 'machineType', prompt = 'Machine type', choices = { 'm', 's', 'l', 'xl' } },
    { key = 'gpu', prompt = 'GPU', choices = { 'none', 't4', 'v100', 'k80' } },
    { key = 'spot', prompt = 'Spot instance', choices = { 'no', 'yes' } },
    { key = 'hddSize', prompt = 'Disk size (GB)', choices = { '100', '50', '200', '500' } },
    {
      key = 'reuse',
      prompt = 'Runner reuse',
      choices = bitbucket and { 'none', 'reuse', 'single' } or { 'reuse-idle', 'reuse', 'single', 'none' },
    },
    { key = 'labels', prompt = 'Runner labels (comma separated): ', input = true, default = 'cml' },
  }
end

local function coerce(key, value)
  if key == 'spot' then
    return value == true or value == 'yes' or value == 'true'
  elseif key == 'hddSize' then
    return tonumber(value)
  elseif key == 'labels' then
    if type(value) == 'table' then
      return value
    end
    local labels = {}
    for l in tostring(value):gmatch('[^,%s]+') do
      table.insert(labels, l)
    end
    return labels
  end
  return value
end

local function write_file(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  local f, e = io.open(path, 'wb')
  if not f then
    return false, e
  end
  f:write(text)
  f:close()
  return true
end

-- The server could not apply the edit (no resource operations): write the file ourselves.
local function place_workflow(res)
  local path = vim.uri_to_fname(res.uri)
  local bufnr = vim.fn.bufnr(path)
  if bufnr ~= -1 and vim.api.nvim_buf_is_loaded(bufnr) then
    local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
    if vim.trim(table.concat(lines, '\n')) ~= '' then
      return false, path .. ' is open and not empty'
    end
    local text = res.text:gsub('\n$', '')
    vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, vim.split(text, '\n', true))
    vim.api.nvim_win_set_buf(0, bufnr)
    return true, path
  end
  local st = vim.loop.fs_stat(path)
  if st and st.size > 0 then
    local f = io.open(path, 'rb')
    local old = f and f:read('*a') or ''
    if f then
      f:close()
    end
    if vim.trim(old) ~= '' then
      return false, path .. ' already exists'
    end
  end
  local ok, e = write_file(path, res.text)
  if not ok then
    return false, e
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  return true, path
end

--- Asks the wizard's questions (skipping those in `opts.choices`), then runs
--- cml.generateWorkflow with apply = true. `done(err, result)` when given.
function M.generate_workflow(opts, done)
  opts = opts or {}
  done = done or function() end
  local bufnr = vim.api.nvim_get_current_buf()
  local client = cml.client_for(bufnr)
  if not client then
    local root = cml.find_root(vim.api.nvim_buf_get_name(bufnr) ~= '' and vim.api.nvim_buf_get_name(bufnr)
      or (vim.fn.getcwd() .. '/x'))
    local id = cml.ensure_client(root)
    client = id and vim.lsp.get_client_by_id(id)
    if not client then
      notify('could not start the server', levels.ERROR)
      return done({ message = 'no client' })
    end
  end
  local answers = {}
  for k, v in pairs(opts.choices or {}) do
    answers[k] = v
  end
  local i = 0
  local function finish()
    local args = { root = vim.uri_from_fname(client.config.root_dir or vim.fn.getcwd()), apply = true }
    for k, v in pairs(answers) do
      if not (k == 'region' and answers.cloud == 'kubernetes') then
        args[k] = coerce(k, v)
      end
    end
    execute(client, bufnr, 'cml.generateWorkflow', args, function(err, res)
      if err then
        notify('generate failed: ' .. err_text(err), levels.ERROR)
        return done(err)
      end
      if not res.applied then
        local ok, what = place_workflow(res)
        if not ok then
          notify('could not write the workflow: ' .. tostring(what), levels.ERROR)
          return done({ message = what }, res)
        end
        local names = {}
        for _, s in ipairs(res.secrets or {}) do
          table.insert(names, s.name)
        end
        notify(string.format('wrote %s. Create these secrets: %s', res.path, table.concat(names, ', ')))
      end
      done(nil, res)
    end)
  end
  local function step()
    i = i + 1
    local steps = wizard_steps(answers)
    local s = steps[i]
    if not s then
      return finish()
    end
    if s.skip or answers[s.key] ~= nil then
      return step()
    end
    local function answer(v)
      if v == nil then
        notify('workflow generation cancelled')
        return done(nil, nil)
      end
      answers[s.key] = v
      step()
    end
    if s.input then
      vim.ui.input({ prompt = s.prompt, default = s.default }, answer)
    else
      vim.ui.select(s.choices, { prompt = s.prompt }, answer)
    end
  end
  step()
end

-- `key=value` words of a command line (overrides or wizard choices).
local function words(fargs)
  local res = {}
  for _, w in ipairs(fargs or {}) do
    table.insert(res, w)
  end
  return res
end

function M.define()
  local cmd = vim.api.nvim_create_user_command
  cmd('CmlRunExperiment', function(a)
    M.run_experiment({ overrides = words(a.fargs) })
  end, { nargs = '*', desc = 'cml-lsp: commit the edited params to a branch, push it and open a pull request' })
  cmd('CmlPreviewExperiment', function(a)
    M.preview_experiment({ overrides = words(a.fargs) })
  end, { nargs = '*', desc = 'cml-lsp: show what :CmlRunExperiment would commit' })
  cmd('CmlGenerateWorkflow', function(a)
    local choices = {}
    for _, w in ipairs(a.fargs) do
      local k, v = w:match('^([%w]+)=(.*)$')
      if k then
        choices[k] = v
      end
    end
    M.generate_workflow({ choices = choices })
  end, { nargs = '*', desc = 'cml-lsp: generate a CML cloud-runner workflow (key=value presets)' })
  -- The code lens "Run experiment with these params" goes through the same prompts.
  vim.lsp.commands['cml.runExperiment'] = function(command, ctx)
    local a = command.arguments and command.arguments[1] or {}
    M.run_experiment({ bufnr = ctx.bufnr, overrides = a.overrides })
  end
  vim.lsp.commands['cml.previewExperiment'] = function(command, ctx)
    local a = command.arguments and command.arguments[1] or {}
    M.preview_experiment({ bufnr = ctx.bufnr, overrides = a.overrides })
  end
end

return M
