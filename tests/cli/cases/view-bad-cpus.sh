# view bad cpus
xtrace-view -c x "$DATA/kvm-svm"
