# kvmrt-stat unknown option
kvmrt-stat --bogus
