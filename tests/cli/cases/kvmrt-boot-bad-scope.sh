# kvmrt-boot --move-tasks with a bad scope: a usage error
kvmrt-boot --move-tasks=12,x
