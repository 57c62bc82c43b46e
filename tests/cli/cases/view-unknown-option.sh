# view unknown option
xtrace-view --bogus
