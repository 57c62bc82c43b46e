# kvmrt-stat version
kvmrt-stat --version
