" cml-lsp for Vim through ALE (https://github.com/dense-analysis/ale).
"
" Put this file in ~/.vim/plugin/ (or source it from your vimrc after ALE is on the
" runtimepath). It adds a `cml-lsp` linter for the yaml filetype that only starts for the
" files cml-lsp understands: GitHub workflows and action.yml, .gitlab-ci.yml,
" bitbucket-pipelines.yml, dvc.yaml and params.yaml/yml. Other YAML files are untouched.
" With g:ale_linters_explicit, add it yourself: let g:ale_linters = {'yaml': ['cml-lsp']}
"
" Options:
"   g:ale_yaml_cml_lsp_executable  the server binary (default: 'cml-lsp')
"   g:ale_yaml_cml_lsp_config      settings, keys as in the server's `cml-lsp` section,
"                                  e.g. {'experiment': {'forge': 'gitlab'}}

if exists('g:loaded_cml_lsp_ale')
  finish
endif
let g:loaded_cml_lsp_ale = 1

let s:pattern = '\v(/\.github/workflows/[^/]+\.ya?ml|/(\.gitlab-ci|bitbucket-pipelines|dvc|action|params)\.ya?ml)$'

function! CmlLspIsOurFile(buffer) abort
  return fnamemodify(bufname(a:buffer), ':p') =~# s:pattern
endfunction

" An empty executable makes ALE skip the linter for other YAML files.
function! s:Executable(buffer) abort
  return CmlLspIsOurFile(a:buffer) ? ale#Var(a:buffer, 'yaml_cml_lsp_executable') : ''
endfunction

" The repository root (the directory holding .git), else the file's directory.
function! s:ProjectRoot(buffer) abort
  let l:git = ale#path#FindNearestDirectory(a:buffer, '.git')
  if empty(l:git)
    let l:git = ale#path#FindNearestFile(a:buffer, '.git')
  endif
  return !empty(l:git) ? fnamemodify(l:git, ':h:h') : fnamemodify(bufname(a:buffer), ':p:h')
endfunction

function! s:HaveAle() abort
  return exists('*ale#linter#Define') || !empty(globpath(&runtimepath, 'autoload/ale/linter.vim'))
endfunction

function! s:Define() abort
  if exists('s:defined') || !s:HaveAle()
    return
  endif
  let s:defined = 1
  call ale#Set('yaml_cml_lsp_executable', 'cml-lsp')
  call ale#Set('yaml_cml_lsp_config', {})
  call ale#linter#Define('yaml', {
  \   'name': 'cml-lsp',
  \   'lsp': 'stdio',
  \   'executable': function('s:Executable'),
  \   'command': '%e',
  \   'project_root': function('s:ProjectRoot'),
  \   'initialization_options': {b -> ale#Var(b, 'yaml_cml_lsp_config')},
  \   'lsp_config': {b -> {'cml-lsp': ale#Var(b, 'yaml_cml_lsp_config')}},
  \})
endfunction

" ALE may be a package that is put on the runtimepath after this plugin loads.
if s:HaveAle()
  call s:Define()
else
  augroup cml_lsp_ale
    autocmd!
    autocmd VimEnter * call s:Define()
  augroup END
endif
