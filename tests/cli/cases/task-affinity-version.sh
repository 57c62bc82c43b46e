# task affinity version
task-affinity --version
