# view bad time format
xtrace-view -t bogus "$DATA/kvm-svm"
