# guest-clock undo and check
kvmrt-guest-clock --undo --check
