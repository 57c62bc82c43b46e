# kvmrt sync unknown option
kvmrt-sync-config --bogus
