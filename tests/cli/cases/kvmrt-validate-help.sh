# kvmrt validate help
kvmrt-validate-config --help | head -2
