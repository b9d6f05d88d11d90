#!/usr/bin/env bash
# Every document the code cites must be in the repository, and so must every section it cites.
#
#   deploy/tools/check-doc-citations.sh
#
# Reads the tracked sources, scripts and Markdown files (README.md, docs/, the code's comments)
# and fails, listing each problem as file:line, when one of them
#   - cites a project document by a bare name (CONTRACT, STYLE, ARCHITECTURE) instead of its path
#     (docs/CONTRACT.md, docs/CONVENTIONS.md, docs/ARCHITECTURE.md);
#   - names a Markdown file that exists neither from the repository root nor beside the citing file;
#   - cites a section `§N` the cited document has no heading for (`## §N ...`), or a `§N` with no
#     document before it on the same line (an RFC's sections are left alone; in a document with
#     numbered sections, a bare `§N` is its own);
#   - cites a section by its quoted heading (docs/ARCHITECTURE.md "Guarantees") that no heading of
#     that document contains, or names an anchor (docs/CONTRACT.md#8-...) no heading gives;
#   - (in Markdown) links to a file or directory that does not exist, or to an anchor no heading of
#     the linked document gives;
#   - cites a decision record (`decision 0009`) that docs/decisions/ does not hold, or a vendor's
#     reference document (`reference 002`) that docs/CONTRACT.md's "Reference documents" table
#     does not name.
# A section is cited as `docs/CONTRACT.md §8` (more sections may follow on the line: `§3–§7, §10`).
#
#   deploy/tools/check-doc-citations.sh --fix
#
# first rewrites the mechanical cases in place (`CONTRACT §8` → `docs/CONTRACT.md §8`,
# `ARCHITECTURE "X"` → `docs/ARCHITECTURE.md "X"`, `STYLE.md "X"` → `docs/CONVENTIONS.md "X"`),
# then checks; what it cannot rewrite is reported as usual, for a person to fix.
# Pure bash, grep and sed (GNU grep with -P); no network. Exit 0 when every citation resolves.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
SELF=deploy/tools/check-doc-citations.sh

problems=0
checked=0
problem() {
  problems=$((problems + 1))
  printf '%s\n' "$1"
}

# The files to read: tracked text sources and documents (the lock file and generated data aside).
list_files() {
  if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard
  else
    find . -type f -not -path './node_modules/*' -not -path './.git/*' -not -path './dist/*' | sed 's#^\./##'
  fi | grep -E '(\.(ts|js|mjs|cjs|sh|py|md|ya?ml)|Dockerfile|^\.ci/run)$' | grep -vxF "$SELF" || true
}

# GitHub's anchor of a heading: lower case, punctuation (and `§`) dropped, spaces as hyphens.
slug() {
  printf '%s' "$1" | sed -E 's/^#+[[:space:]]*//' | tr '[:upper:]' '[:lower:]' \
    | LC_ALL=C sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}

# resolve FILE PATH: the cited Markdown file, from the root or beside the citing file, or nothing.
resolve() {
  local from=$1 path=$2
  if [ -f "$path" ]; then
    printf '%s' "$path"
  elif [ -f "$(dirname "$from")/$path" ]; then
    printf '%s' "$(dirname "$from")/$path"
  fi
}

# The headings of a Markdown file, code blocks aside (a shell comment there is no heading).
headings() { awk '/^ *```/ { fenced = !fenced; next } !fenced && /^#+ /' "$1"; }
has_section() { headings "$1" | grep -qE "^#+ §$2([^0-9]|$)"; }
has_heading_text() { headings "$1" | grep -qiF -- "$2"; }
has_anchor() {
  local doc=$1 anchor=$2 heading
  while IFS= read -r heading; do
    [ "$(slug "$heading")" = "$anchor" ] && return 0
  done < <(headings "$doc")
  return 1
}

# One token per citation, in the order they appear on the line.
TOKEN='\]\([^()\s]+\)|(?:[\w.-]+/)*[\w-]+\.md(?:#[\w-]+| "[^"]+")?|(?<![\w/.-])(?:CONTRACT|STYLE|ARCHITECTURE)(?![\w])|\bRFC ?\d+|§\d+|\b[Dd]ecisions? \d{4}\b|\breference[ /]\d{3}\b'
# Lines worth reading: those with any of the above.
CANDIDATE='\.md\b|(?<![\w/.-])(?:CONTRACT|STYLE|ARCHITECTURE)(?![\w])|§\d|\]\(|\b[Dd]ecisions? \d{4}\b|\breference[ /]\d{3}\b'

suggest() {
  case $1 in
    STYLE*) printf 'docs/CONVENTIONS.md' ;;
    CONTRACT*) printf 'docs/CONTRACT.md' ;;
    ARCHITECTURE*) printf 'docs/ARCHITECTURE.md' ;;
  esac
}

check_line() {
  local file=$1 number=$2 text=$3 token doc="" docname="" where="$1:$2"
  # Inside a document with numbered sections, a bare `§N` is one of its own.
  if [[ $file == *.md ]] && headings "$file" | grep -qE '^#+ §[0-9]'; then
    doc=$file
    docname=$file
  fi
  # Web addresses are not the repository's documents.
  text=$(printf '%s' "$text" | sed -E 's#[a-z]+://[^ )>"`]*##g')
  while IFS= read -r token; do
    [ -z "$token" ] && continue
    checked=$((checked + 1))
    case $token in
      '§'*)
        local n=${token#§}
        if [ "$docname" = RFC ] || { [ -z "$doc" ] && [ -n "$docname" ]; }; then
          : # an RFC's section, or a bare document name reported already
        elif [ -z "$doc" ]; then
          problem "$where: $token cites no document: write the document's path before it (docs/CONTRACT.md $token)"
        elif ! has_section "$doc" "$n"; then
          problem "$where: $docname has no section $token (no heading '## $token ...')"
        fi
        ;;
      RFC*)
        doc=""
        docname=RFC
        ;;
      CONTRACT | STYLE | ARCHITECTURE)
        doc=""
        docname=$token
        problem "$where: '$token' is not in the repository: cite $(suggest "$token") instead"
        ;;
      ']('*)
        # A Markdown link: its target, relative to the linking file, must exist (and its anchor).
        [[ $file == *.md ]] || continue
        local target=${token#](}
        target=${target%)}
        local path=${target%%#*} anchor=""
        [[ $target == *'#'* ]] && anchor=${target#*#}
        [[ $path =~ ^[a-z]+: ]] && continue
        local linked=$file
        if [ -n "$path" ]; then
          linked=$(dirname "$file")/$path
          if [ ! -e "$linked" ]; then
            problem "$where: link to $path, which is not in the repository"
            continue
          fi
        fi
        if [ -n "$anchor" ] && [[ $linked == *.md ]] && ! has_anchor "$linked" "$anchor"; then
          problem "$where: link to ${path}#$anchor, which no heading of $linked gives"
        fi
        ;;
      [Dd]ecision*)
        local id=${token##* }
        if ! compgen -G "docs/decisions/$id-*.md" > /dev/null; then
          problem "$where: $token is not in docs/decisions/"
        fi
        ;;
      reference*)
        local id=${token:10:3}
        if ! grep -qE "^\| *reference $id " docs/CONTRACT.md 2> /dev/null; then
          problem "$where: $token is not named in docs/CONTRACT.md's \"Reference documents\" table"
        fi
        ;;
      *.md*)
        local path=${token%%[#\" ]*} rest=${token#*.md}
        docname=$path
        doc=$(resolve "$file" "$path")
        if [ -z "$doc" ]; then
          local hint
          hint=$(suggest "$(basename "$path")")
          problem "$where: $path is not in the repository${hint:+: cite $hint}"
          continue
        fi
        case $rest in
          '#'*)
            has_anchor "$doc" "${rest#\#}" || problem "$where: $path has no heading with the anchor ${rest}"
            ;;
          ' "'*)
            local heading=${rest#' "'}
            heading=${heading%\"}
            has_heading_text "$doc" "$heading" || problem "$where: $path has no heading \"$heading\""
            ;;
        esac
        ;;
    esac
  done < <(printf '%s\n' "$text" | grep -oP "$TOKEN")
}

if [ "${1:-}" = --fix ]; then
  B='(^|[^[:alnum:]_/.-])'
  while IFS= read -r file; do
    grep -qE "${B}(CONTRACT(\.md)? §|ARCHITECTURE(\.md)? \"|STYLE(\.md)? \")" "$file" 2> /dev/null || continue
    sed -i -E \
      -e "s#${B}CONTRACT(\.md)? §#\1docs/CONTRACT.md §#g" \
      -e "s#${B}ARCHITECTURE(\.md)? \"#\1docs/ARCHITECTURE.md \"#g" \
      -e "s#${B}STYLE(\.md)? \"#\1docs/CONVENTIONS.md \"#g" \
      "$file"
    echo "rewrote citations in $file"
  done < <(list_files)
fi

files=0
while IFS= read -r file; do
  [ -f "$file" ] || continue
  files=$((files + 1))
  while IFS= read -r hit; do
    check_line "$file" "${hit%%:*}" "${hit#*:}"
  done < <(grep -nP "$CANDIDATE" "$file" 2> /dev/null)
done < <(list_files)

echo "check-doc-citations: $checked citations in $files files, $problems problems"
[ "$problems" -eq 0 ]
