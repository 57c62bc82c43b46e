# guest-clock help
kvmrt-guest-clock --help | head -3
