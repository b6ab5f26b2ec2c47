;;; lsp-mode-test.el --- batch test: editors/emacs/cml-lsp.el with lsp-mode  -*- lexical-binding: t -*-
;; Run by run.sh:  emacs -Q --batch -l lsp-mode-test.el
;; Same environment as eglot-test.el. Checks that cml-lsp registers as an lsp-mode add-on
;; client for our files only, and that lsp-mode shows the server's diagnostic.
;; Prints one JSON object on stdout; exit code 0 on success, 1 on failure.

(require 'package)
(setq package-directory-list '("/usr/share/emacs/site-lisp/elpa"))
(package-initialize)
(require 'json)
(require 'cl-lib)

(defvar cml-test-result nil)
(defun cml-test-put (k v) (setf (alist-get k cml-test-result) v))
(defun cml-test-finish (ok)
  (cml-test-put 'ok (if ok t :json-false))
  (princ (concat (json-encode (reverse cml-test-result)) "\n"))
  (kill-emacs (if ok 0 1)))
(defun cml-test-wait (pred secs)
  (let ((deadline (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (funcall pred)))

(condition-case err
    (let* ((t0 (float-time))
           (root (file-name-as-directory (getenv "E2E_ROOT")))
           (tmp (make-temp-file "cml-lsp-mode-" t))
           (expect-line (string-to-number (getenv "E2E_EXPECT_LINE"))))
      (load (getenv "CML_LSP_EL") nil t)
      (require 'lsp-mode)
      (setq cml-lsp-server-command (list (getenv "E2E_SERVER"))
            project-find-functions (list (lambda (_dir) (cons 'transient root)))
            lsp-session-file (expand-file-name "session" tmp)
            lsp-server-install-dir tmp
            lsp-auto-guess-root t
            lsp-enabled-clients '(cml-lsp)
            lsp-diagnostics-provider :flymake
            lsp-enable-file-watchers nil
            lsp-enable-snippet nil
            lsp-keep-workspace-alive nil
            lsp-restart 'ignore
            lsp-modeline-code-actions-enable nil
            lsp-headerline-breadcrumb-enable nil)
      (let ((client (gethash 'cml-lsp lsp-clients)))
        (unless client (error "cml-lsp is not registered with lsp-mode"))
        (cml-test-put 'add_on (if (lsp--client-add-on? client) t :json-false))
        (cml-test-put 'activates_on_workflow
                      (if (funcall (lsp--client-activation-fn client) (getenv "E2E_FILE") 'cml-lsp-yaml-mode) t :json-false))
        (cml-test-put 'activates_on_other_yaml
                      (if (funcall (lsp--client-activation-fn client) (getenv "E2E_OTHER_FILE") 'yaml-mode) t :json-false))
        (unless (and (lsp--client-add-on? client)
                     (eq (alist-get 'activates_on_workflow cml-test-result) t)
                     (eq (alist-get 'activates_on_other_yaml cml-test-result) :json-false))
          (error "wrong lsp-mode registration")))
      (find-file (getenv "E2E_FILE"))
      (lsp)
      (unless (cml-test-wait (lambda () (and (lsp-workspaces)
                                             (eq (lsp--workspace-status (car (lsp-workspaces))) 'initialized)))
                             10)
        (error "lsp-mode did not initialize cml-lsp"))
      (flymake-start)
      (unless (cml-test-wait
               (lambda () (cl-some (lambda (d) (string-match-p "yaml-syntax\\|missing" (flymake-diagnostic-text d)))
                                   (flymake-diagnostics)))
               15)
        (error "no diagnostic from cml-lsp in lsp-mode"))
      (let ((diags (mapcar (lambda (d)
                             `((line . ,(line-number-at-pos (flymake-diagnostic-beg d)))
                               (text . ,(flymake-diagnostic-text d))))
                           (flymake-diagnostics))))
        (cml-test-put 'diagnostics diags)
        (unless (cl-some (lambda (d) (= (alist-get 'line d) expect-line)) diags)
          (error "no diagnostic on line %d" expect-line)))
      (cml-test-put 'seconds (/ (round (* 100 (- (float-time) t0))) 100.0))
      (lsp-workspace-shutdown (car (lsp-workspaces)))
      (cml-test-finish t))
  (error (cml-test-put 'error (error-message-string err))
         (cml-test-finish nil)))
