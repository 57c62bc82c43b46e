# irq affinity bad cpus
irq-affinity -c x
