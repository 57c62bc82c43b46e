# kvmrt-gs xtrace_log_data with bad hex
kvmrt-gs xtrace_log_data 0xzz
