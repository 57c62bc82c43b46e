# merge unknown option
xtrace-multi-merge --bogus
