#!/bin/bash
# The folders of src/ are layers along the data path; each may include only
# itself and the layers named for it here (docs/ARCHITECTURE.md).  Prints
# every include that breaks the rule and fails if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [base]="base"
  [records]="base records"
  [model]="base records model"
  [bpftool]="base bpftool"
  [render]="base records model bpftool render"
  [image]="base records model render image"
  [kernel]="base records bpftool kernel"
  [restore]="base records model image restore"
  [cli]="base records model bpftool render image kernel restore cli"
)
bad=0
for dir in "${!allowed[@]}"; do
  for f in src/"$dir"/*.[ch]pp; do
    [[ -e $f ]] || continue
    while IFS= read -r inc; do
      layer=${inc%%/*}
      [[ $inc == */* ]] || continue
      [[ $layer == bpf ]] && continue # the record contract, shared with BPF
      [[ -d src/$layer ]] || continue # generated skeletons, system headers
      if [[ " ${allowed[$dir]} " != *" $layer "* ]]; then
        echo "layering: $f includes $inc ($dir may use: ${allowed[$dir]})"
        bad=1
      fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  done
done
# kernel/ is the only code that makes bpf() calls: cli/ includes no libbpf
# or BPF uapi header.
while IFS= read -r hit; do
	echo "layering: $hit (only kernel/ talks to BPF)"
	bad=1
done < <(grep -Hn '^#include <\(bpf/\|linux/bpf\.h\)' src/cli/*.[ch]pp || true)
for dir in src/*/; do
  d=$(basename "$dir")
  [[ -n ${allowed[$d]:-} ]] || { echo "layering: src/$d is not a known layer"; bad=1; }
done
((bad == 0)) && echo "layering: ok (${#allowed[@]} layers)"
exit "$bad"
