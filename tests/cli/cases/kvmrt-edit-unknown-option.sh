# kvmrt edit unknown option
kvmrt-edit-config --bogus
