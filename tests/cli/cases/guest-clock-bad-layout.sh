# guest-clock bad layout
kvmrt-guest-clock --layout suse
