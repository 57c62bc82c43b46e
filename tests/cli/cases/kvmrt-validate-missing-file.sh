# kvmrt validate missing file
kvmrt-validate-config -f nosuch.cfg
