# view fixture head
xtrace-view "$DATA/kvm-svm" | head -5
