# kvmrt-boot unknown option
kvmrt-boot --bogus
