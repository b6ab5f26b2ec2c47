#!/usr/bin/env python3
"""Checks editors/helix/languages.toml: it parses, declares the cml-lsp server, and every
file kind cml-lsp handles is a Helix language that lists cml-lsp beside its usual server.
Prints one JSON object; exits 1 on failure."""
import json
import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[3]
PATH = ROOT / "editors" / "helix" / "languages.toml"

# glob -> the server that must stay next to cml-lsp
EXPECTED = {
    ".github/workflows/*.yml": "yaml-language-server",
    ".github/workflows/*.yaml": "yaml-language-server",
    "action.yml": "yaml-language-server",
    "action.yaml": "yaml-language-server",
    ".gitlab-ci.yml": "yaml-language-server",
    "bitbucket-pipelines.yml": "yaml-language-server",
    "dvc.yaml": "yaml-language-server",
    "params.yaml": "yaml-language-server",
    "params.yml": "yaml-language-server",
    "params.json": "vscode-json-language-server",
    "params.toml": "taplo",
}


def main() -> int:
    errors = []
    try:
        doc = tomllib.loads(PATH.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(json.dumps({"ok": False, "error": f"{PATH.name}: {e}"}))
        return 1
    servers = doc.get("language-server", {})
    if servers.get("cml-lsp", {}).get("command") != "cml-lsp":
        errors.append("[language-server.cml-lsp] must have command = \"cml-lsp\"")
    by_glob = {}
    names = []
    for lang in doc.get("language", []):
        names.append(lang.get("name"))
        for key in ("name", "scope", "grammar", "file-types", "language-servers"):
            if key not in lang:
                errors.append(f"language {lang.get('name')!r} has no {key}")
        for ft in lang.get("file-types", []):
            if isinstance(ft, dict) and "glob" in ft:
                by_glob[ft["glob"]] = lang
    if len(set(names)) != len(names):
        errors.append(f"duplicate language names: {names}")
    for glob, companion in EXPECTED.items():
        lang = by_glob.get(glob)
        if lang is None:
            errors.append(f"no language for {glob}")
            continue
        ls = [s if isinstance(s, str) else s.get("name") for s in lang.get("language-servers", [])]
        if "cml-lsp" not in ls:
            errors.append(f"{lang['name']} ({glob}) does not list cml-lsp")
        if companion not in ls:
            errors.append(f"{lang['name']} ({glob}) dropped {companion}")
        for s in ls:
            if s not in servers and s not in ("vscode-json-language-server", "taplo"):
                errors.append(f"{lang['name']} uses undeclared server {s}")
    print(json.dumps({"ok": not errors, "languages": names, "errors": errors}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
