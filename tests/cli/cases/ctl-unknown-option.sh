# ctl unknown option
xtrace-ctl --bogus
