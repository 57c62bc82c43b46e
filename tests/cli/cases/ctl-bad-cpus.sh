# ctl bad cpus
xtrace-ctl -c x flush
