# kvmrt-shutdown version
kvmrt-shutdown --version
