# view fixture summary
xtrace-view -s "$DATA/kvm-svm"
