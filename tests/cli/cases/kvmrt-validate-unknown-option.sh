# kvmrt validate unknown option
kvmrt-validate-config --bogus
