# kvmrt-gs on a system without the port: not available
KVMRT_GS_PORT=/nonexistent kvmrt-gs available
