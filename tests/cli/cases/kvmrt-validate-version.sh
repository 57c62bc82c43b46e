# kvmrt validate version
kvmrt-validate-config --version
