" Headless Vim + ALE test of editors/vim/cml-lsp.vim; run by run.sh:
"   vim -Nu NONE -i NONE -es -S ale-test.vim
" Env: CML_LSP_VIM, ALE_DIR, E2E_SERVER, E2E_FILE (broken workflow), E2E_OTHER_FILE
" (plain YAML), E2E_EXPECT_LINE (1-based). Prints one JSON line; exit 0 on success.
set nocompatible nomore
let &runtimepath = $ALE_DIR . ',' . &runtimepath
let g:ale_linters = {'yaml': ['cml-lsp']}
let g:ale_lint_on_enter = 1
let g:ale_echo_cursor = 0
let g:ale_set_signs = 0
let g:ale_set_highlights = 0
let g:ale_virtualtext_cursor = 'disabled'
let g:ale_yaml_cml_lsp_executable = $E2E_SERVER
let g:ale_yaml_cml_lsp_config = {'diagnostics': {'unusedParams': v:false}}
filetype plugin on
runtime plugin/ale.vim
execute 'source ' . fnameescape($CML_LSP_VIM)

let s:result = {'ok': v:false}
let s:t0 = reltime()

function! s:Wait(expr, secs) abort
  let l:start = reltime()
  while !eval(a:expr) && reltimefloat(reltime(l:start)) < a:secs
    sleep 20m
  endwhile
  return eval(a:expr)
endfunction

function! s:Finish(ok) abort
  let s:result.ok = a:ok ? v:true : v:false
  let s:result.seconds = round(reltimefloat(reltime(s:t0)) * 100) / 100
  call writefile([json_encode(s:result)], '/dev/stdout')
  if a:ok | qall! | else | cquit 1 | endif
endfunction

function! s:CmlLinter() abort
  return filter(copy(ale#linter#Get('yaml')), 'v:val.name is# "cml-lsp"')
endfunction

try
  " Scoping: for a plain YAML file the linter resolves to no executable (skipped).
  execute 'edit ' . fnameescape($E2E_OTHER_FILE)
  let s:linters = s:CmlLinter()
  if empty(s:linters) | throw 'no cml-lsp linter for yaml' | endif
  let s:result.other_file_executable = ale#linter#GetExecutable(bufnr(''), s:linters[0])
  if !empty(s:result.other_file_executable) | throw 'cml-lsp would run on ' . $E2E_OTHER_FILE | endif

  execute 'edit ' . fnameescape($E2E_FILE)
  let s:buf = bufnr('')
  let s:result.filetype = &filetype
  if &filetype isnot# 'yaml' | throw 'the workflow has filetype ' . &filetype | endif
  ALELint
  if !s:Wait('!empty(filter(copy(ale#engine#GetLoclist(s:buf)), "get(v:val, ''code'', '''') is# ''yaml-syntax''"))', 15)
    let s:result.loclist = ale#engine#GetLoclist(s:buf)
    throw 'no yaml-syntax diagnostic'
  endif
  let s:result.diagnostics = map(copy(ale#engine#GetLoclist(s:buf)),
  \   {_, d -> {'lnum': d.lnum, 'col': d.col, 'type': d.type, 'code': get(d, 'code', ''), 'text': d.text, 'linter': d.linter_name}})
  let s:want = str2nr($E2E_EXPECT_LINE)
  if empty(filter(copy(s:result.diagnostics), 'v:val.lnum == s:want && v:val.code is# "yaml-syntax"'))
    throw 'no yaml-syntax diagnostic on line ' . s:want
  endif
  call ale#lsp#StopAll()
  call s:Finish(1)
catch
  let s:result.error = v:exception . ' @ ' . v:throwpoint
  call s:Finish(0)
endtry
