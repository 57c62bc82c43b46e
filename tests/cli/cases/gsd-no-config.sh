# kvmrt-gsd without its configuration
kvmrt-gsd -f /nonexistent/kvmrt.cfg
