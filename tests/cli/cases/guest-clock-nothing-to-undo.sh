# guest-clock nothing to undo
mkdir -p empty && kvmrt-guest-clock -q --undo --root "$PWD/empty" 2>&1 | sed "s|$PWD|DIR|"
