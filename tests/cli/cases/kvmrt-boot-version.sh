# kvmrt-boot version
kvmrt-boot --version
