# kvmrt-validate-host version
kvmrt-validate-host --version
