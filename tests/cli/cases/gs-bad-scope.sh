# kvmrt-gs xtrace_flush scope out of range: nothing runs
kvmrt-gs ping 1 xtrace_flush 3
