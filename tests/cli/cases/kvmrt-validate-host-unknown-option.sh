# kvmrt-validate-host unknown option
kvmrt-validate-host --bogus
