# kvmrt-gs unknown command: nothing runs
kvmrt-gs ping 1 reboot
