# kvmrt-gs ping with a cookie that is not a number
kvmrt-gs ping -5
