# kvmrt-gs without a command
kvmrt-gs
