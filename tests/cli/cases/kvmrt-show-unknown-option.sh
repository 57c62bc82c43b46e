# kvmrt show unknown option
kvmrt-show-config --bogus
