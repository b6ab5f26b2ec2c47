;;; cml-lsp.el --- cml-lsp for CML workflows, dvc.yaml and DVC params  -*- lexical-binding: t -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages, tools
;; SPDX-License-Identifier: MIT OR Apache-2.0

;;; Commentary:

;; Runs the `cml-lsp' language server on CI workflow files (GitHub Actions workflows and
;; `action.yml', `.gitlab-ci.yml', `bitbucket-pipelines.yml'), `dvc.yaml' and DVC params
;; files (`params.yaml'/`params.yml').
;;
;; Those files open in `cml-lsp-yaml-mode' (or `cml-lsp-yaml-ts-mode' when you use
;; `yaml-ts-mode'), thin modes derived from the YAML mode: highlighting, indentation and
;; your `yaml-mode-hook' stay as they are; only the language server differs.
;;
;; eglot:
;;   (require 'cml-lsp)
;;   (add-hook 'cml-lsp-yaml-mode-hook #'eglot-ensure)
;; lsp-mode: `cml-lsp' registers itself as an add-on client once lsp-mode loads, so it
;; runs beside yaml-language-server:
;;   (add-hook 'cml-lsp-yaml-mode-hook #'lsp-deferred)
;;
;; Settings (the server's `cml-lsp' section) come from `cml-lsp-settings', e.g.
;;   (setq cml-lsp-settings '(:experiment (:forge "github" :branchPrefix "exp/")))
;; With eglot, a project's `eglot-workspace-configuration' with a `:cml-lsp' entry wins.
;; lsp-mode gets them as initializationOptions and workspace/didChangeConfiguration.

;;; Code:

(require 'cl-lib)

(defgroup cml-lsp nil
  "Language server for CML workflows, dvc.yaml and DVC params files."
  :group 'tools
  :prefix "cml-lsp-")

(defcustom cml-lsp-server-command '("cml-lsp")
  "Program and arguments that start the cml-lsp server (LSP over stdio)."
  :type '(repeat string))

(defcustom cml-lsp-settings nil
  "Settings for the server, a plist keyed like its `cml-lsp' section.
For example
  (:diagnostics (:disabled [\"yaml-syntax\"]) :experiment (:forge \"gitlab\"))."
  :type 'plist)

(defconst cml-lsp-file-regexp
  (rx (or (seq "/.github/workflows/" (+ (not (any "/"))) "." (or "yml" "yaml"))
          (seq "/" (or ".gitlab-ci" "bitbucket-pipelines" "dvc" "action" "params")
               "." (or "yml" "yaml")))
      string-end)
  "File names that `cml-lsp' understands and that are YAML.")

(defun cml-lsp-file-p (&optional file)
  "Non-nil when FILE (default: the visited file) is a file cml-lsp handles."
  (let ((f (or file buffer-file-name)))
    (and f (string-match-p cml-lsp-file-regexp (expand-file-name f)))))

;;;; Major modes

(declare-function yaml-mode "yaml-mode")
(declare-function yaml-ts-mode "yaml-ts-mode")
(declare-function cml-lsp-yaml-ts-mode "cml-lsp")

(define-derived-mode cml-lsp-yaml-mode yaml-mode "YAML[cml]"
  "`yaml-mode' for the files cml-lsp understands (workflows, dvc.yaml, params).")

(when (fboundp 'yaml-ts-mode)
  (define-derived-mode cml-lsp-yaml-ts-mode yaml-ts-mode "YAML[cml]"
    "`yaml-ts-mode' for the files cml-lsp understands (workflows, dvc.yaml, params)."))

(defun cml-lsp--prefer-ts-p ()
  "Non-nil when the user edits YAML in `yaml-ts-mode'."
  (and (fboundp 'cml-lsp-yaml-ts-mode)
       (or (not (fboundp 'yaml-mode))
           (eq (cdr (assq 'yaml-mode (bound-and-true-p major-mode-remap-alist))) 'yaml-ts-mode)
           (rassq 'yaml-ts-mode auto-mode-alist))))

;;;###autoload
(defun cml-lsp-yaml-auto-mode ()
  "Pick `cml-lsp-yaml-ts-mode' or `cml-lsp-yaml-mode' like the user's YAML set-up."
  (if (cml-lsp--prefer-ts-p) (funcall 'cml-lsp-yaml-ts-mode) (cml-lsp-yaml-mode)))

;;;###autoload
(add-to-list 'auto-mode-alist (cons cml-lsp-file-regexp 'cml-lsp-yaml-auto-mode))

(defconst cml-lsp--modes '(cml-lsp-yaml-mode cml-lsp-yaml-ts-mode))
(dolist (m cml-lsp--modes) (put m 'eglot-language-id "yaml"))

(defun cml-lsp--settings-json ()
  "`cml-lsp-settings' ready for the JSON encoder (an empty object when unset)."
  (or cml-lsp-settings (make-hash-table)))

;;;; eglot

(defvar eglot-server-programs)
(defvar eglot-workspace-configuration)

(defun cml-lsp-eglot-contact (&optional _interactive)
  "Eglot contact: `cml-lsp-server-command', `cml-lsp-settings' as init options."
  (append cml-lsp-server-command
          (list :initializationOptions (cml-lsp--settings-json))))

(defun cml-lsp--eglot-default-configuration ()
  "Answer workspace/configuration with `cml-lsp-settings'.
Unless the project's `eglot-workspace-configuration' has a `:cml-lsp' entry."
  (when (and cml-lsp-settings
             (boundp 'eglot-workspace-configuration)
             (listp eglot-workspace-configuration)
             (not (plist-member eglot-workspace-configuration :cml-lsp)))
    (setq-local eglot-workspace-configuration
                (append (list :cml-lsp cml-lsp-settings) eglot-workspace-configuration))))

(add-hook 'cml-lsp-yaml-mode-hook #'cml-lsp--eglot-default-configuration)
(add-hook 'cml-lsp-yaml-ts-mode-hook #'cml-lsp--eglot-default-configuration)

(with-eval-after-load 'eglot
  ;; In front of any yaml-mode entry: our modes derive from it and the first match wins.
  (add-to-list 'eglot-server-programs (cons cml-lsp--modes #'cml-lsp-eglot-contact)))

;;;; lsp-mode

(declare-function lsp-register-client "lsp-mode")
(declare-function make-lsp-client "lsp-mode")
(declare-function lsp-stdio-connection "lsp-mode")
(declare-function lsp--set-configuration "lsp-mode")
(defvar lsp-language-id-configuration)
(defvar lsp--cur-workspace)

(with-eval-after-load 'lsp-mode
  (dolist (m cml-lsp--modes)
    (add-to-list 'lsp-language-id-configuration (cons m "yaml")))
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection (lambda () cml-lsp-server-command))
    :activation-fn (lambda (file-name _mode) (cml-lsp-file-p file-name))
    :add-on? t
    :priority -1
    :server-id 'cml-lsp
    :initialization-options #'cml-lsp--settings-json
    :initialized-fn (lambda (workspace)
                      (let ((lsp--cur-workspace workspace))
                        (lsp--set-configuration (list :cml-lsp (cml-lsp--settings-json))))))))

(provide 'cml-lsp)
;;; cml-lsp.el ends here
