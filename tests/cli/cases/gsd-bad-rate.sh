# kvmrt-gsd with a bad rate
kvmrt-gsd --rate 0
