# kvmrt-shutdown unknown option
kvmrt-shutdown --bogus
