#!/bin/bash
# Run bash completion for a bpftool command line and print the candidates.
#
# usage: complete.sh COMPLETION_FILE WORD...
#
# Completes the last WORD (use '' for an empty word) of the command line made
# of the WORDs, with bash-completion and COMPLETION_FILE loaded, and prints
# the candidates one per line, sorted.
set -u
comp_file=$1
shift
# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion
# shellcheck disable=SC1090
source "$comp_file"
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
_bpftool bpftool "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
if ((${#COMPREPLY[@]})); then
	printf '%s\n' "${COMPREPLY[@]}" | sort -u
fi
