# kvmrt-gs command without its argument
kvmrt-gs available ping
