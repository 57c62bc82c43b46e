# kvmrt-gs --help
kvmrt-gs --help
