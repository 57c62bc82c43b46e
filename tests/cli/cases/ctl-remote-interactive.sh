# ctl remote interactive
xtrace-ctl --remote vm1
