# ctl unknown command
xtrace-ctl frobnicate
