# kvmrt import unknown option
kvmrt-import --bogus
