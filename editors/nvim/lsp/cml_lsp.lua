-- cml-lsp for Neovim 0.11+ through vim.lsp.config / vim.lsp.enable (nvim-lspconfig style).
-- With editors/nvim on 'runtimepath':
--
--   vim.lsp.config('cml_lsp', { settings = { ['cml-lsp'] = { experiment = { forge = 'github' } } } })
--   vim.lsp.enable('cml_lsp')
--
-- `filetypes` is broad (every YAML/JSON/TOML buffer triggers the check), so `root_dir`
-- starts the server only for CML/DVC files: workflows, .gitlab-ci.yml,
-- bitbucket-pipelines.yml, action.yml, dvc.yaml and params.{yaml,yml,json,toml}.
-- It also finds the root: the nearest directory with one of `root_markers`, else the cwd
-- (`root_markers` is kept for tools that display it; `root_dir` takes precedence).
-- The user commands (:CmlRunExperiment, ...) come from require('cml_lsp').setup{}, or from
-- require('cml_lsp.commands').define() when you only use this file.
return {
  cmd = { 'cml-lsp' },
  filetypes = { 'yaml', 'json', 'toml' },
  root_markers = { '.git', 'dvc.yaml' },
  root_dir = function(bufnr, on_dir)
    local path = vim.api.nvim_buf_get_name(bufnr)
    local ok, cml = pcall(require, 'cml_lsp')
    if ok then
      if cml.is_cml_file(path) then
        on_dir(cml.find_root(path))
      end
      return
    end
    local name = vim.fs.basename(path)
    local ours = name == '.gitlab-ci.yml'
      or name == 'bitbucket-pipelines.yml'
      or name == 'dvc.yaml'
      or name:match('^params%.ya?ml$')
      or name == 'params.json'
      or name == 'params.toml'
      or name:match('^action%.ya?ml$')
      or path:match('/%.github/workflows/[^/]+%.ya?ml$')
    if ours then
      on_dir(vim.fs.root(bufnr, { '.git', 'dvc.yaml' }) or vim.fn.getcwd())
    end
  end,
  settings = { ['cml-lsp'] = vim.empty_dict() },
}
