;;; eglot-test.el --- batch test: editors/emacs/cml-lsp.el with eglot  -*- lexical-binding: t -*-
;; Run by run.sh:  emacs -Q --batch -l eglot-test.el
;; Env: CML_LSP_EL, E2E_SERVER, E2E_ROOT, E2E_FILE (a broken workflow), E2E_OTHER_FILE
;; (a YAML file cml-lsp must leave alone), E2E_EXPECT_LINE (1-based).
;; Prints one JSON object on stdout; exit code 0 on success, 1 on failure.

(require 'package)
;; -Q leaves package-directory-list empty; Debian's elpa-* packages live here.
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
  "Process output until PRED holds or SECS pass; return PRED's value."
  (let ((deadline (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (funcall pred)))

(condition-case err
    (let ((t0 (float-time))
          (root (file-name-as-directory (getenv "E2E_ROOT")))
          (expect-line (string-to-number (getenv "E2E_EXPECT_LINE"))))
      (load (getenv "CML_LSP_EL") nil t)
      (require 'eglot)
      (setq cml-lsp-server-command (list (getenv "E2E_SERVER"))
            cml-lsp-settings '(:diagnostics (:unusedParams :json-false)))
      ;; A directory without VCS is no project; give eglot one instead of a prompt.
      (setq project-find-functions (list (lambda (_dir) (cons 'transient root)))
            eglot-sync-connect 10
            eglot-autoshutdown nil
            eglot-events-buffer-size 0)

      ;; Scoping: a plain YAML file stays in yaml-mode.
      (with-current-buffer (find-file-noselect (getenv "E2E_OTHER_FILE"))
        (cml-test-put 'other_file_mode (symbol-name major-mode))
        (unless (eq major-mode 'yaml-mode)
          (error "config.yaml opened in %s, not yaml-mode" major-mode)))

      (find-file (getenv "E2E_FILE"))
      (cml-test-put 'mode (symbol-name major-mode))
      (unless (and (eq major-mode 'cml-lsp-yaml-mode) (derived-mode-p 'yaml-mode))
        (error "workflow opened in %s, not cml-lsp-yaml-mode" major-mode))
      (let ((contact (eglot--guess-contact)))
        ;; (MANAGED-MODES PROJECT CLASS CONTACT LANGUAGE-ID)
        (cml-test-put 'eglot_program (car (nth 3 contact)))
        (cml-test-put 'language_id (nth 4 contact))
        (unless (equal (car (nth 3 contact)) (getenv "E2E_SERVER"))
          (error "eglot would start %S, not cml-lsp" (nth 3 contact)))
        (unless (plist-member (cdr (nth 3 contact)) :initializationOptions)
          (error "no initializationOptions in the eglot contact"))
        (apply #'eglot contact))
      (unless (eglot-current-server) (error "eglot did not connect"))
      (cml-test-put 'server_name
                    (plist-get (eglot--server-info (eglot-current-server)) :name))
      ;; flymake's idle-timer start needs a command loop; --batch has none.
      (flymake-start)
      (unless (cml-test-wait
               (lambda () (cl-some (lambda (d) (string-match-p "yaml-syntax" (flymake-diagnostic-text d)))
                                   (flymake-diagnostics)))
               15)
        (cml-test-put 'diagnostics (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))
        (error "no yaml-syntax diagnostic"))
      (let ((diags (mapcar (lambda (d)
                             `((line . ,(line-number-at-pos (flymake-diagnostic-beg d)))
                               (type . ,(symbol-name (flymake-diagnostic-type d)))
                               (text . ,(flymake-diagnostic-text d))))
                           (flymake-diagnostics))))
        (cml-test-put 'diagnostics diags)
        (unless (cl-some (lambda (d) (and (= (alist-get 'line d) expect-line)
                                          (string-match-p "yaml-syntax" (alist-get 'text d))))
                         diags)
          (error "no yaml-syntax diagnostic on line %d" expect-line)))
      (cml-test-put 'seconds (/ (round (* 100 (- (float-time) t0))) 100.0))
      (eglot-shutdown (eglot-current-server) nil 3)
      (cml-test-finish t))
  (error (cml-test-put 'error (error-message-string err))
         (cml-test-finish nil)))
