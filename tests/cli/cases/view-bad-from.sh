# view bad from
xtrace-view --from yesterday "$DATA/kvm-svm"
